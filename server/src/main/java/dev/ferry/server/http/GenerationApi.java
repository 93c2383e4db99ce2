package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.engine.api.TokenEvent;
import java.io.IOException;
import java.util.List;
import java.util.function.IntFunction;

/**
 * What differs between /v1/completions and /v1/chat/completions: the request's fields, and how a
 * response spells a choice. Everything else (submission, streaming, usage, errors) is shared.
 */
interface GenerationApi {
    /** Which piece of a choice is being written. */
    enum Part {
        /** The first chunk of a chat stream: the assistant role, no content yet. */
        ROLE,
        /** A streamed chunk's new text. */
        DELTA,
        /** A whole, non-streamed answer. */
        WHOLE
    }

    /** Reads a request body; throws ApiException naming the field at fault. */
    GenerationCall read(Fields body, String requestId);

    /** Prefix of response ids ("cmpl-", "chatcmpl-"). */
    String idPrefix();

    /** The {@code object} of a whole response, or of a stream chunk. */
    String object(boolean chunk);

    /** Whether a stream opens with a {@link Part#ROLE} chunk. */
    boolean announcesRole();

    /**
     * Writes the content field of a choice ("text", "delta" or "message"), with the thinking and the
     * tool calls in it when there are any (chat only).
     *
     * @param reasoning the thinking text, or null for none
     */
    void writeContent(JsonGenerator g, Part part, String reasoning, String text, ToolCallsJson calls) throws IOException;

    /**
     * Writes the value of a choice's "logprobs" for {@code events}.
     *
     * @param tokenText a token id's text
     * @param textOffset characters of the completion before the first event's text
     */
    void writeLogprobs(JsonGenerator g, List<TokenEvent> events, IntFunction<String> tokenText, int textOffset)
            throws IOException;
}
