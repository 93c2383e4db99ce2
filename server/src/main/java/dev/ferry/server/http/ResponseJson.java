package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.answer.Answer;
import dev.ferry.server.answer.AnswerParser;
import dev.ferry.server.answer.StreamedAnswer;
import dev.ferry.server.api.Admitted;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.http.GenerationApi.Part;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The OpenAI response objects of one admitted generation (chunks, the whole response, the usage
 * chunk), written as JSON into Netty buffers. Used on the connection's event loop only.
 */
final class ResponseJson {
    static final String MODEL = "x-ferry-model";
    static final String ROUTE = "x-ferry-route";
    static final String ROUTE_REASON = "x-ferry-route-reason";
    /** Ours in OpenAI's usage object: the SDKs keep unknown fields as additional properties. */
    static final String CACHE_HIT = "response_cache_hit";

    private final GenerationApi api;
    private final Admitted admitted;
    /** The response's id, the same in every chunk of a stream. */
    private final String id;
    private final long created;
    private final IntFunction<String> tokenText;
    private final ResponseNotes notes;
    /** Reads thinking and tool calls out of the text; null when the answer is text only. */
    private final AnswerParser answer;
    private final List<ChoiceState> choices;

    /** One choice's whole answer: its text, its tokens' events when logprobs were asked, how it ended. */
    record ChoiceText(String text, List<TokenEvent> events, String finishReason) {}

    /** What a choice's next chunk depends on: its tool calls so far, and where its text stands. */
    private static final class ChoiceState {
        StreamedAnswer streamed;
        boolean calledTools;
        /** Characters of completion text written so far: where the next token's text starts. */
        int textOffset;
    }

    /**
     * @param tokenText token texts for logprobs, used only when the client asked for them
     * @param notes what the response's headers say about the request besides its answer
     * @param answer how to read thinking and tool calls out of the text, or null when the answer is text only
     * @param choices how many choices the answer has
     */
    ResponseJson(GenerationApi api, Admitted admitted, long created, IntFunction<String> tokenText,
                 ResponseNotes notes, AnswerParser answer, int choices) {
        this.api = api;
        this.admitted = admitted;
        this.id = api.idPrefix() + admitted.requestId();
        this.created = created;
        this.tokenText = tokenText;
        this.notes = notes;
        this.answer = answer;
        this.choices = new ArrayList<>(choices);
        for (int i = 0; i < choices; i++) {
            this.choices.add(new ChoiceState());
        }
    }

    String requestId() {
        return admitted.requestId();
    }

    /**
     * The request id, which model served the request and why, and the {@link ResponseNotes}, as
     * headers: OpenAI clients ignore them, and they reach a client before the first token.
     */
    void headers(HttpHeaders h) {
        h.set(HttpResponses.REQUEST_ID, admitted.requestId()).set(MODEL, admitted.model())
                .set(ROUTE_REASON, ascii(admitted.routeReason()));
        if (!admitted.route().isEmpty()) {
            h.set(ROUTE, admitted.route());
        }
        notes.writeTo(h);
    }

    /** Header values are ISO-8859-1 without control characters; a reason quoting an error may hold anything. */
    static String ascii(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    boolean announcesRole() {
        return api.announcesRole();
    }

    /** A stream chunk with choice {@code index}'s new text; {@code finishReason} is null until its last one. */
    void chunk(ByteBuf out, int index, Part part, String text, List<TokenEvent> events, String finishReason) {
        ChoiceState c = choices.get(index);
        if (answer == null || part == Part.ROLE) {
            writeChunk(out, index, part, null, text, text, null, events, finishReason);
            return;
        }
        if (c.streamed == null) {
            c.streamed = answer.stream();
        }
        StreamedAnswer.Piece piece = c.streamed.next(text, finishReason != null);
        c.calledTools = c.streamed.calledTools();
        writeChunk(out, index, part, piece.reasoning().isEmpty() ? null : piece.reasoning(), piece.content(), text,
                ToolCallsJson.fragments(piece.calls()), events, finishReason(c, finishReason));
    }

    /**
     * @param reasoning the thinking in this chunk, or null for none
     * @param generated the text generated since the last chunk (what logprobs offsets count)
     */
    private void writeChunk(ByteBuf out, int index, Part part, String reasoning, String content, String generated,
                            ToolCallsJson calls, List<TokenEvent> events, String finishReason) {
        Json.write(out, g -> {
            head(g, true);
            g.writeArrayFieldStart("choices");
            choice(g, index, part, reasoning, content, generated, calls, events, finishReason);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** OpenAI's reason for an answer that called tools: "tool_calls" where it would say "stop". */
    private static String finishReason(ChoiceState c, String reason) {
        return c.calledTools && "stop".equals(reason) ? "tool_calls" : reason;
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

    /** A whole, non-streamed response with every choice's answer, in choice order. */
    void whole(ByteBuf out, List<ChoiceText> answers, Usage usage) {
        Json.write(out, g -> {
            head(g, false);
            g.writeArrayFieldStart("choices");
            for (int i = 0; i < answers.size(); i++) {
                wholeChoice(g, i, answers.get(i));
            }
            g.writeEndArray();
            usage(g, usage);
            g.writeEndObject();
        });
    }

    private void wholeChoice(JsonGenerator g, int index, ChoiceText a) throws IOException {
        ChoiceState c = choices.get(index);
        Answer parsed = answer == null ? null : answer.parse(a.text());
        c.calledTools = parsed != null && !parsed.calls().isEmpty();
        String content = parsed == null ? a.text() : parsed.content();
        String reasoning = parsed == null ? null : parsed.reasoning();
        ToolCallsJson calls = parsed == null ? null : ToolCallsJson.whole(parsed.calls());
        choice(g, index, Part.WHOLE, reasoning, content, a.text(), calls, a.events(),
                finishReason(c, a.finishReason()));
    }

    private void head(JsonGenerator g, boolean chunk) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", api.object(chunk));
        g.writeNumberField("created", created);
        g.writeStringField("model", admitted.model());
    }

    /**
     * @param reasoning the thinking to show, or null for none
     * @param content the text to show as content (the generated text less its thinking and tool calls)
     * @param generated the text generated, which logprobs offsets count
     */
    private void choice(JsonGenerator g, int index, Part part, String reasoning, String content, String generated,
                        ToolCallsJson calls, List<TokenEvent> events, String finishReason) throws IOException {
        ChoiceState c = choices.get(index);
        g.writeStartObject();
        g.writeNumberField("index", index);
        api.writeContent(g, part, reasoning, content, calls);
        g.writeFieldName("logprobs");
        if (admitted.logprobs() && part != Part.ROLE) {
            api.writeLogprobs(g, events, tokenText, c.textOffset);
        } else {
            g.writeNull();
        }
        g.writeStringField("finish_reason", finishReason);
        g.writeEndObject();
        c.textOffset += generated.length();
    }

    private void usage(JsonGenerator g, Usage u) throws IOException {
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", u.promptTokens());
        g.writeNumberField("completion_tokens", u.completionTokens());
        g.writeNumberField("total_tokens", u.promptTokens() + u.completionTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", u.cachedPromptTokens());
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", u.reasoningTokens());
        g.writeEndObject();
        if (notes.cache() != CacheOutcome.OFF) {
            g.writeBooleanField(CACHE_HIT, notes.cache().isHit());
        }
        g.writeEndObject();
    }
}
