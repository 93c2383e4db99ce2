package dev.ferry.server.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * One streamed answer that may call tools, as a transport writes it: each piece of generated text
 * in, the content and the call fragments to send for it out, and whether any call was made (the
 * finish reason says so).
 */
public final class StreamedAnswer {
    /** What to send for one piece of text: content, and call fragments in order. */
    public record Piece(String content, List<Delta> calls) {}

    private final StreamingToolCalls calls;
    private boolean calledTools;

    public StreamedAnswer(ToolCallParser parser) {
        this.calls = parser.streaming();
    }

    /** @param last whether this is the answer's last text: what was held back goes out with it */
    public Piece next(String text, boolean last) {
        List<Delta> deltas = new ArrayList<>(calls.add(text));
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
        return new Piece(content.toString(), fragments);
    }

    public boolean calledTools() {
        return calledTools;
    }
}
