package dev.ferry.server.answer;

import dev.ferry.server.tools.Delta;
import dev.ferry.server.tools.StreamingToolCalls;
import java.util.ArrayList;
import java.util.List;

/**
 * One streamed answer as a transport writes it: each piece of generated text in; the thinking, the
 * content and the call fragments to send for it out (calls are read from the content only), and
 * whether any call was made (the finish reason says so).
 */
public final class StreamedAnswer {
    /** What to send for one piece of text: thinking and content (either may be empty), and call fragments in order. */
    public record Piece(String reasoning, String content, List<Delta> calls) {}

    /** Null when the model does not think. */
    private final ThinkingSplitter thinking;
    /** Null when the answer may not call tools. */
    private final StreamingToolCalls calls;
    private boolean calledTools;

    StreamedAnswer(ThinkingSplitter thinking, StreamingToolCalls calls) {
        this.thinking = thinking;
        this.calls = calls;
    }

    /** @param last whether this is the answer's last text: what was held back goes out with it */
    public Piece next(String text, boolean last) {
        String reasoning = "";
        String answer = text;
        if (thinking != null) {
            ThinkingSplitter.Split split = thinking.add(text);
            ThinkingSplitter.Split rest = last ? thinking.finish() : new ThinkingSplitter.Split("", "");
            reasoning = split.reasoning() + rest.reasoning();
            answer = split.content() + rest.content();
        }
        if (calls == null) {
            return new Piece(reasoning, answer, List.of());
        }
        List<Delta> deltas = new ArrayList<>(calls.add(answer));
        if (last) {
            deltas.addAll(calls.finish());
        }
        StringBuilder content = new StringBuilder();
        List<Delta> fragments = new ArrayList<>();
        for (Delta d : deltas) {
            if (d.isContent()) {
                content.append(d.content());
            } else {
                fragments.add(d);
            }
        }
        calledTools |= !fragments.isEmpty();
        return new Piece(reasoning, content.toString(), fragments);
    }

    public boolean calledTools() {
        return calledTools;
    }
}
