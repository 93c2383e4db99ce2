package dev.ferry.engine.loop;

import dev.ferry.engine.api.Thinking;
import java.util.Arrays;

/**
 * Where one sequence stands in its thinking, on the engine loop's thread: waiting for the model to
 * open it (only its first tokens may), thinking (counting toward the budget), closing (the budget
 * is spent: the closing marker's tokens are forced one per step, through the step's token masks
 * as a structured-output row would be), or answering. Reading a token costs a few int compares;
 * nothing here touches the device.
 */
final class ThinkingState {
    private enum Phase { OPENING, THINKING, CLOSING, ANSWERING }

    private final Thinking thinking;
    private Phase phase;
    /** Marker tokens matched so far: of the opening while OPENING, of the closing while THINKING or CLOSING. */
    private int matched;
    /** Tokens thought between the markers. */
    private int thought;

    ThinkingState(Thinking thinking, int[] prompt) {
        this.thinking = thinking;
        this.phase = thinking.startsInside(prompt) ? Phase.THINKING : Phase.OPENING;
        closeIfSpent();
    }

    /** The one token the next step must sample, as a bitset over token ids, or null when it is free. */
    long[] forcedToken() {
        return phase == Phase.CLOSING ? only(thinking.close()[matched]) : null;
    }

    /**
     * The next step's mask when the answer must follow an output format ({@code answerMask}, the
     * format's allowed tokens at its start): thinking runs free, a spent budget forces the close, and
     * the first token may either open thinking or begin the answer. Null once the answer has begun,
     * where the format's own mask applies; a null result otherwise means the token is free.
     */
    long[] maskBeforeFormat(long[] answerMask) {
        return switch (phase) {
            case OPENING -> matched > 0 ? only(thinking.open()[matched]) : with(answerMask, thinking.open()[0]);
            case THINKING -> null;
            case CLOSING -> forcedToken();
            case ANSWERING -> throw new IllegalStateException("the answer has begun: its format's mask applies");
        };
    }

    /** Whether the answer has begun: the tokens from here on are the answer's, which an output format shapes. */
    boolean answering() {
        return phase == Phase.ANSWERING;
    }

    private static long[] only(int id) {
        long[] bits = new long[(id >>> 6) + 1]; // shorter than the vocabulary: the ids past it are disallowed
        bits[id >>> 6] = 1L << (id & 63);
        return bits;
    }

    private static long[] with(long[] mask, int id) {
        long[] bits = Arrays.copyOf(mask, Math.max(mask.length, (id >>> 6) + 1));
        bits[id >>> 6] |= 1L << (id & 63);
        return bits;
    }

    /**
     * Moves past a generated token; returns whether it belongs to the thinking (its markers included),
     * which is what the usage's reasoning tokens count.
     */
    boolean accept(int token) {
        switch (phase) {
            case OPENING -> {
                if (token != thinking.open()[matched]) {
                    phase = Phase.ANSWERING; // only the answer's first tokens may open thinking
                    return false;
                }
                if (++matched == thinking.open().length) {
                    phase = Phase.THINKING;
                    matched = 0;
                    closeIfSpent();
                }
                return true;
            }
            case THINKING -> {
                matched = token == thinking.close()[matched] ? matched + 1 : token == thinking.close()[0] ? 1 : 0;
                if (matched == thinking.close().length) {
                    phase = Phase.ANSWERING;
                } else {
                    thought++;
                    closeIfSpent(); // a closing marker already begun is forced on from where it stands
                }
                return true;
            }
            case CLOSING -> {
                if (++matched == thinking.close().length) {
                    phase = Phase.ANSWERING;
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void closeIfSpent() {
        if (phase == Phase.THINKING && thought >= thinking.budget()) {
            phase = Phase.CLOSING;
        }
    }
}
