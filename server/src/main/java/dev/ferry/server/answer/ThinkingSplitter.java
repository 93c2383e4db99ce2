package dev.ferry.server.answer;

/**
 * Splits one answer's text into its thinking and the rest while it streams, at the thinking
 * markers. Thinking is open from the start when the prompt opened it (DeepSeek-R1 style), or opened
 * by the answer's first text (Qwen3 style; whitespace before the marker is dropped); it ends at the
 * closing marker, and the newlines right after that marker are dropped too. Text that could still
 * be the start of a marker is held back until it cannot, so a marker cut across token pieces never
 * leaks into either part; the markers themselves are in neither.
 */
final class ThinkingSplitter {
    /** What one piece of text adds to each part. */
    record Split(String reasoning, String content) {}

    private enum Phase { MAY_OPEN, THINKING, AFTER_CLOSE, ANSWER }

    private final String open;
    private final String close;
    private final StringBuilder held = new StringBuilder();
    private Phase phase;

    ThinkingSplitter(ReasoningParser parser, boolean startsInside) {
        this.open = parser.open();
        this.close = parser.close();
        this.phase = startsInside ? Phase.THINKING : Phase.MAY_OPEN;
    }

    Split add(String text) {
        held.append(text);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        while (step(reasoning, content)) {
            // each step moves to the next phase or returns false once it has to wait for more text
        }
        return new Split(reasoning.toString(), content.toString());
    }

    /** The end of the answer: what was held back goes to the part it was in. */
    Split finish() {
        String rest = held.toString();
        held.setLength(0);
        return phase == Phase.THINKING ? new Split(rest, "") : new Split("", phase == Phase.AFTER_CLOSE ? "" : rest);
    }

    /** One move over the held text; false when it must wait for more. */
    private boolean step(StringBuilder reasoning, StringBuilder content) {
        switch (phase) {
            case MAY_OPEN -> {
                int start = 0;
                while (start < held.length() && Character.isWhitespace(held.charAt(start))) {
                    start++;
                }
                String rest = held.substring(start);
                if (rest.startsWith(open)) {
                    held.delete(0, start + open.length());
                    phase = Phase.THINKING;
                    return true;
                }
                if (open.startsWith(rest)) {
                    return false; // may still become the opening marker
                }
                phase = Phase.ANSWER;
                return true;
            }
            case THINKING -> {
                int at = held.indexOf(close);
                if (at >= 0) {
                    reasoning.append(held, 0, at);
                    held.delete(0, at + close.length());
                    phase = Phase.AFTER_CLOSE;
                    return true;
                }
                int keep = partialMarkerAtEnd();
                reasoning.append(held, 0, held.length() - keep);
                held.delete(0, held.length() - keep);
                return false;
            }
            case AFTER_CLOSE -> {
                int start = 0;
                while (start < held.length() && held.charAt(start) == '\n') {
                    start++;
                }
                held.delete(0, start);
                if (held.length() == 0) {
                    return false;
                }
                phase = Phase.ANSWER;
                return true;
            }
            default -> {
                content.append(held);
                held.setLength(0);
                return false;
            }
        }
    }

    /** Length of the longest end of the held text that begins the closing marker. */
    private int partialMarkerAtEnd() {
        for (int len = Math.min(close.length() - 1, held.length()); len > 0; len--) {
            if (held.substring(held.length() - len).equals(close.substring(0, len))) {
                return len;
            }
        }
        return 0;
    }
}
