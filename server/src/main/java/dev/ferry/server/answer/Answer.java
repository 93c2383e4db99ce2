package dev.ferry.server.answer;

import dev.ferry.server.tools.ToolCall;
import java.util.List;

/**
 * A finished answer, split.
 *
 * @param reasoning the thinking text; null when the answer has none (no reasoning fields are sent then)
 * @param content the answer's text outside thinking and tool calls
 * @param calls the tool calls in the order the model made them
 */
public record Answer(String reasoning, String content, List<ToolCall> calls) {
    public Answer {
        calls = List.copyOf(calls);
    }
}
