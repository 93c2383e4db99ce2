package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/** {@code POST /v1/completions}: a text or token-id prompt; choices carry "text" and the legacy logprobs shape. */
final class CompletionsApi implements GenerationApi {
    /** OpenAI's and vLLM's default for this endpoint (chat defaults to the rest of the context). */
    private static final int DEFAULT_MAX_TOKENS = 16;
    private static final Set<String> FIELDS = GenerationCall.fields("prompt", "max_tokens", "logprobs");
    private static final Map<String, Fields.NoOp> NO_OPS = GenerationCall.noOps(Map.of(
            "best_of", new Fields.NoOp(n -> n.isIntegralNumber() && n.intValue() == 1, "best_of = 1"),
            "echo", new Fields.NoOp(n -> n.isBoolean() && !n.booleanValue(), "echo = false"),
            "suffix", new Fields.NoOp(n -> n.isTextual() && n.textValue().isEmpty(), "an empty suffix")));

    private static final Set<String> IGNORED = GenerationCall.ignored();

    @Override
    public GenerationCall read(Fields f, String requestId) {
        f.allowOnly(FIELDS, IGNORED, NO_OPS, Map.of());
        Integer maxTokens = f.integer("max_tokens");
        return GenerationCall.read(f, prompt(f.node("prompt")), maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS,
                "max_tokens", f.integer("logprobs"), requestId);
    }

    /** A string or token ids; a batch holding one of those is that prompt (clients send either). */
    private static Prompt prompt(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isTextual()) {
            return new Prompt.Text(n.textValue());
        }
        if (n.isArray() && n.size() == 1 && (n.get(0).isTextual() || n.get(0).isArray())) {
            return prompt(n.get(0));
        }
        if (!n.isArray() || n.size() > 0 && !n.get(0).isNumber()) {
            throw ApiException.invalid("prompt", "must be a string or a list of token ids (one prompt per request)");
        }
        int[] ids = new int[n.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Fields.integer("prompt[" + i + "]", n.get(i));
        }
        return new Prompt.TokenIds(ids);
    }

    @Override
    public String idPrefix() {
        return "cmpl-";
    }

    @Override
    public String object(boolean chunk) {
        return "text_completion";
    }

    @Override
    public boolean announcesRole() {
        return false;
    }

    @Override
    public void writeContent(JsonGenerator g, Part part, String reasoning, String text, ToolCallsJson calls)
            throws IOException {
        g.writeStringField("text", text);
    }

    @Override
    public void writeLogprobs(JsonGenerator g, List<TokenEvent> events, IntFunction<String> tokenText, int textOffset)
            throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("tokens");
        for (TokenEvent e : events) {
            g.writeString(tokenText.apply(e.tokenId()));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("token_logprobs");
        for (TokenEvent e : events) {
            g.writeNumber(e.logprob());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("top_logprobs");
        for (TokenEvent e : events) {
            g.writeStartObject();
            for (int i = 0; i < e.topTokenIds().length; i++) {
                g.writeNumberField(tokenText.apply(e.topTokenIds()[i]), e.topLogprobs()[i]);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("text_offset");
        int offset = textOffset;
        for (TokenEvent e : events) {
            g.writeNumber(offset);
            offset += e.text().length();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
