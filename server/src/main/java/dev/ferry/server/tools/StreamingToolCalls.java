package dev.ferry.server.tools;

import java.util.List;

/**
 * Splits one stream of generated text into content and tool calls while it arrives. The content deltas add up to
 * what {@link ToolCallParser#parse} finds for the whole text, however the text was cut into deltas; so do the
 * calls, except a call that breaks after its name went out: a stream cannot take that back, so the client keeps
 * the call as far as it got, while its text also becomes content, with a warning.
 */
public interface StreamingToolCalls {

    /** Reads the next piece of generated text; returns what can be sent for it now (possibly nothing). */
    List<Delta> add(String textDelta);

    /** Ends the stream: sends what was held back; a call cut off by the end becomes content, with a warning. */
    List<Delta> finish();

    /** Why parts that looked like calls were sent as content, so far. */
    List<String> warnings();
}
