package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.http.GenerationApi.Part;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The OpenAI response objects of one admitted generation (chunks, the whole response, the usage
 * chunk), written as JSON into Netty buffers. Used on the connection's event loop only.
 */
final class ResponseJson {
    private final GenerationApi api;
    private final String requestId;
    private final String model;
    private final long created;
    private final boolean logprobs;
    private final IntFunction<String> tokenText;
    /** Characters of completion text written so far: where the next token's text starts. */
    private int textOffset;

    /**
     * @param logprobs whether the client asked for them; {@code tokenText} is used only then
     */
    ResponseJson(GenerationApi api, String requestId, String model, long created, boolean logprobs,
                 IntFunction<String> tokenText) {
        this.api = api;
        this.requestId = requestId;
        this.model = model;
        this.created = created;
        this.logprobs = logprobs;
        this.tokenText = tokenText;
    }

    String requestId() {
        return requestId;
    }

    boolean announcesRole() {
        return api.announcesRole();
    }

    /** A stream chunk with choice 0's new text; {@code finishReason} is null until the last one. */
    void chunk(ByteBuf out, Part part, String text, List<TokenEvent> events, String finishReason) {
        Json.write(out, g -> {
            head(g, true);
            g.writeArrayFieldStart("choices");
            choice(g, part, text, events, finishReason);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** The chunk that carries the usage, with no choices (OpenAI's {@code include_usage}). */
    void usageChunk(ByteBuf out, Usage usage) {
        Json.write(out, g -> {
            head(g, true);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            usage(g, usage);
            g.writeEndObject();
        });
    }

    /** A whole, non-streamed response. */
    void whole(ByteBuf out, String text, List<TokenEvent> events, String finishReason, Usage usage) {
        Json.write(out, g -> {
            head(g, false);
            g.writeArrayFieldStart("choices");
            choice(g, Part.WHOLE, text, events, finishReason);
            g.writeEndArray();
            usage(g, usage);
            g.writeEndObject();
        });
    }

    private void head(JsonGenerator g, boolean chunk) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", api.idPrefix() + requestId);
        g.writeStringField("object", api.object(chunk));
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }

    private void choice(JsonGenerator g, Part part, String text, List<TokenEvent> events, String finishReason)
            throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", 0);
        api.writeContent(g, part, text);
        g.writeFieldName("logprobs");
        if (logprobs && part != Part.ROLE) {
            api.writeLogprobs(g, events, tokenText, textOffset);
        } else {
            g.writeNull();
        }
        g.writeStringField("finish_reason", finishReason);
        g.writeEndObject();
        textOffset += text.length();
    }

    private static void usage(JsonGenerator g, Usage u) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", u.promptTokens());
        g.writeNumberField("completion_tokens", u.completionTokens());
        g.writeNumberField("total_tokens", u.promptTokens() + u.completionTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", u.cachedPromptTokens());
        g.writeEndObject();
        g.writeEndObject();
    }
}
