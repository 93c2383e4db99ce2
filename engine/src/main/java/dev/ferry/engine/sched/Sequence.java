package dev.ferry.engine.sched;

import java.util.Arrays;

/**
 * A request's token sequence as the engine loop sees it: prompt then generated tokens, how many of
 * them already have keys and values in the cache, and the blocks holding those.
 */
public final class Sequence {
    private int[] tokens;
    private int length;
    private final int promptLength;
    private int numComputed;
    private int[] blockTable = new int[0];

    public Sequence(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must hold at least one token");
        }
        tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        length = prompt.length;
        promptLength = prompt.length;
    }

    public int length() {
        return length;
    }

    public int promptLength() {
        return promptLength;
    }

    public int numGenerated() {
        return length - promptLength;
    }

    public int numComputed() {
        return numComputed;
    }

    /** Tokens whose keys and values still have to be computed. */
    public int numUncomputed() {
        return length - numComputed;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int lastToken() {
        return tokens[length - 1];
    }

    public int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, length);
    }

    public int[] allTokens() {
        return Arrays.copyOf(tokens, length);
    }

    public void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
        }
        tokens[length++] = token;
    }

    public void markComputed(int n) {
        numComputed += n;
    }

    public int[] blockTable() {
        return blockTable;
    }

    public void setBlockTable(int[] table) {
        blockTable = table;
    }
}
