package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * {@code POST /v1/chat/completions}: messages rendered with the model's chat template; choices carry
 * a "message" (whole) or a "delta" (streamed, opening with the assistant role).
 */
final class ChatApi implements GenerationApi {
    private static final Set<String> FIELDS = GenerationCall.fields("messages", "max_tokens", "max_completion_tokens",
            "logprobs", "top_logprobs", "tools", "tool_choice", "parallel_tool_calls", "chat_template_kwargs",
            "reasoning_effort", "thinking_token_budget");
    private static final Map<String, Fields.NoOp> NO_OPS = GenerationCall.noOps(Map.of(
            "modalities", new Fields.NoOp(n -> n.isArray() && n.size() == 1 && "text".equals(n.get(0).asText()),
                    "[\"text\"]")));
    private static final Set<String> IGNORED = GenerationCall.ignored();
    private static final Map<String, String> REFUSED = Map.of(
            "functions", "the legacy function calling is not supported; send tools",
            "function_call", "function calling is not supported; send no function_call",
            "audio", "audio output is not supported",
            "web_search_options", "web search is not supported");

    @Override
    public GenerationCall read(Fields f, String requestId) {
        f.allowOnly(FIELDS, IGNORED, NO_OPS, REFUSED);
        Integer maxTokens = f.integer("max_completion_tokens"); // the newer name wins, as with OpenAI
        String maxTokensField = "max_completion_tokens";
        if (maxTokens == null) {
            maxTokens = f.integer("max_tokens");
            maxTokensField = "max_tokens";
        }
        List<Prompt.Tool> tools = ToolFields.tools(f.node("tools"));
        Prompt prompt = new Prompt.Chat(messages(f.node("messages")), true, tools,
                ToolFields.choice(f.node("tool_choice"), f.bool("parallel_tool_calls", true), tools),
                ReasoningFields.templateKwargs(f.node("chat_template_kwargs")),
                ReasoningFields.effort(f.string("reasoning_effort")), f.integer("thinking_token_budget"));
        return GenerationCall.read(f, prompt, maxTokens, maxTokensField, logprobs(f), requestId);
    }

    static List<Prompt.ChatMessage> messages(JsonNode n) {
        if (n == null) {
            throw ApiException.invalid("messages", "is required");
        }
        if (!n.isArray()) {
            throw Fields.wrongType("messages", "a list of {role, content} objects", n);
        }
        List<Prompt.ChatMessage> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            String field = "messages[" + i + "]";
            JsonNode m = n.get(i);
            if (!m.isObject()) {
                throw Fields.wrongType(field, "a {role, content} object", m);
            }
            JsonNode role = m.get("role");
            if (role != null && !role.isNull() && !role.isTextual()) {
                throw Fields.wrongType(field + ".role", "a string", role);
            }
            out.add(new Prompt.ChatMessage(role == null ? null : role.textValue(), content(m.get("content"), field),
                    ToolFields.calls(m.get("tool_calls"), field + ".tool_calls"),
                    ToolFields.callId(m.get("tool_call_id"), field + ".tool_call_id")));
        }
        return out;
    }

    /** A string, or a list of text parts joined by newlines (as vLLM joins them). */
    private static String content(JsonNode c, String message) {
        String field = message + ".content";
        if (c == null || c.isNull()) {
            return null; // the serving core names the missing content
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw Fields.wrongType(field, "a string or a list of {type: \"text\", text} parts", c);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw ApiException.invalid(field + "[" + j + "].type", "only \"text\" parts are supported, got \""
                        + type + "\"");
            }
            JsonNode t = part.get("text");
            if (t == null || !t.isTextual()) {
                throw Fields.wrongType(field + "[" + j + "].text", "a string", t == null ? part : t);
            }
            text.append(j == 0 ? "" : "\n").append(t.textValue());
        }
        return text.toString();
    }

    /** Chat asks with a flag and a count of alternatives; the core takes the count, or null for none. */
    private static Integer logprobs(Fields f) {
        boolean wanted = f.bool("logprobs", false);
        Integer top = f.integer("top_logprobs");
        if (top != null && !wanted) {
            throw ApiException.invalid("top_logprobs", "needs logprobs set to true");
        }
        if (top != null && (top < 0 || top > SamplingParams.MAX_LOGPROBS)) {
            throw ApiException.invalid("top_logprobs", "must be in [0, " + SamplingParams.MAX_LOGPROBS + "], got " + top);
        }
        return wanted ? (top == null ? 0 : top) : null;
    }

    @Override
    public String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    public String object(boolean chunk) {
        return chunk ? "chat.completion.chunk" : "chat.completion";
    }

    @Override
    public boolean announcesRole() {
        return true;
    }

    @Override
    public void writeContent(JsonGenerator g, Part part, String reasoning, String text, ToolCallsJson calls)
            throws IOException {
        g.writeObjectFieldStart(part == Part.WHOLE ? "message" : "delta");
        if (part != Part.DELTA) {
            g.writeStringField("role", "assistant");
        }
        if (reasoning != null) { // both names: DeepSeek's API and vLLM's older one say reasoning_content, newer ones reasoning
            g.writeStringField("reasoning_content", reasoning);
            g.writeStringField("reasoning", reasoning);
        }
        boolean withCalls = calls != null && !calls.isEmpty();
        if (part == Part.WHOLE && withCalls && text.isEmpty()) {
            g.writeNullField("content"); // OpenAI's message that only calls tools
        } else if (part != Part.DELTA || !text.isEmpty()) {
            g.writeStringField("content", text);
        }
        if (withCalls) {
            calls.write(g);
        }
        g.writeEndObject();
    }

    @Override
    public void writeLogprobs(JsonGenerator g, List<TokenEvent> events, IntFunction<String> tokenText, int textOffset)
            throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("content");
        for (TokenEvent e : events) {
            g.writeStartObject();
            writeToken(g, tokenText.apply(e.tokenId()), e.logprob());
            g.writeArrayFieldStart("top_logprobs");
            for (int i = 0; i < e.topTokenIds().length; i++) {
                g.writeStartObject();
                writeToken(g, tokenText.apply(e.topTokenIds()[i]), e.topLogprobs()[i]);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeToken(JsonGenerator g, String token, float logprob) throws IOException {
        g.writeStringField("token", token);
        g.writeNumberField("logprob", logprob);
        g.writeArrayFieldStart("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            g.writeNumber(b & 0xFF);
        }
        g.writeEndArray();
    }
}
