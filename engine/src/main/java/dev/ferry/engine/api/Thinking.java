package dev.ferry.engine.api;

import java.util.Arrays;

/**
 * How a thinking model marks its thinking, and how many tokens one request may think: once it has
 * thought {@code budget} tokens without closing, the engine makes its next tokens the closing
 * marker, and the answer follows freely. Thinking is either open when generation starts (the
 * prompt opened it, DeepSeek-R1 style: see {@link #startsInside}) or opened by the model's first
 * tokens (Qwen3 style); it happens once per answer.
 *
 * @param open the opening marker's token ids ({@code <think>})
 * @param close the closing marker's token ids ({@code </think>})
 * @param budget thinking tokens between the markers before the close is forced; {@link #UNBOUNDED} for no bound
 */
public record Thinking(int[] open, int[] close, int budget) {
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    public Thinking {
        if (open == null || open.length == 0 || close == null || close.length == 0) {
            throw new IllegalArgumentException("thinking needs opening and closing marker tokens");
        }
        if (budget < 0) {
            throw new InvalidRequestException("thinking_token_budget", "thinking_token_budget must be >= 0, got " + budget);
        }
        open = open.clone();
        close = close.clone();
    }

    /** Whether {@code prompt} leaves thinking open: its last opening marker comes after its last closing one. */
    public boolean startsInside(int[] prompt) {
        return lastIndexOf(prompt, open) > lastIndexOf(prompt, close);
    }

    private static int lastIndexOf(int[] tokens, int[] marker) {
        for (int i = tokens.length - marker.length; i >= 0; i--) {
            if (Arrays.equals(tokens, i, i + marker.length, marker, 0, marker.length)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Thinking t && Arrays.equals(open, t.open) && Arrays.equals(close, t.close)
                && budget == t.budget;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(open) + Arrays.hashCode(close)) + budget;
    }

    @Override
    public String toString() {
        return "Thinking[open=" + Arrays.toString(open) + ", close=" + Arrays.toString(close) + ", budget=" + budget + "]";
    }
}
