package dev.ferry.server.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a finished generation says.
 *
 * @param content the text outside the calls; empty when the message was only calls
 * @param calls the calls in the order the model made them
 * @param warnings why parts that looked like calls were kept as content instead
 */
public record ParsedOutput(String content, List<ToolCall> calls, List<String> warnings) {

    public ParsedOutput {
        calls = List.copyOf(calls);
        warnings = List.copyOf(warnings);
    }

    /** Folds a message's deltas back into one output, the way a client accumulates a stream. */
    public static ParsedOutput of(List<Delta> deltas, List<String> warnings) {
        StringBuilder content = new StringBuilder();
        Map<Integer, Delta> calls = new TreeMap<>();
        for (Delta delta : deltas) {
            if (delta.isContent()) {
                content.append(delta.content());
            } else {
                calls.merge(delta.index(), delta, Delta::absorb);
            }
        }
        List<ToolCall> made = new ArrayList<>();
        for (Delta call : calls.values()) {
            made.add(new ToolCall(call.id(), call.name(), call.argumentsFragment()));
        }
        return new ParsedOutput(content.toString(), made, warnings);
    }
}
