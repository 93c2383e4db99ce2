package dev.ferry.engine.sample;

import java.util.Arrays;

/**
 * A {@link TokenHistory} kept incrementally: an open-addressing token-to-entry map over growable
 * parallel arrays, so recording a token costs O(1) amortised and reading allocates nothing. Owned
 * by one sequence and written by one thread (the engine loop).
 */
public final class TokenCounts implements TokenHistory {
    private static final int EMPTY = -1;

    private int[] tokens = new int[16];
    private int[] outputCounts = new int[16];
    private boolean[] inPrompt = new boolean[16];
    private int size;
    /** Entry index per hash slot, {@link #EMPTY} where free; length a power of two, at most half full. */
    private int[] slots = emptySlots(32);

    public void addPrompt(int[] ids) {
        for (int id : ids) {
            int e = entry(id);          // first: it may grow the arrays
            inPrompt[e] = true;
        }
    }

    public void addOutput(int id) {
        int e = entry(id);
        outputCounts[e]++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int token(int i) {
        return tokens[i];
    }

    @Override
    public boolean inPrompt(int i) {
        return inPrompt[i];
    }

    @Override
    public int outputCount(int i) {
        return outputCounts[i];
    }

    /** The entry of {@code id}, added if new. */
    private int entry(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("token id must be >= 0, got " + id);
        }
        int mask = slots.length - 1;
        for (int s = hash(id) & mask; ; s = (s + 1) & mask) {
            int e = slots[s];
            if (e == EMPTY) {
                return add(id, s);
            }
            if (tokens[e] == id) {
                return e;
            }
        }
    }

    private int add(int id, int slot) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
            outputCounts = Arrays.copyOf(outputCounts, size * 2);
            inPrompt = Arrays.copyOf(inPrompt, size * 2);
        }
        tokens[size] = id;
        slots[slot] = size;
        size++;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        return size - 1;
    }

    private void rehash(int capacity) {
        slots = emptySlots(capacity);
        int mask = capacity - 1;
        for (int e = 0; e < size; e++) {
            int s = hash(tokens[e]) & mask;
            while (slots[s] != EMPTY) {
                s = (s + 1) & mask;
            }
            slots[s] = e;
        }
    }

    private static int[] emptySlots(int capacity) {
        int[] s = new int[capacity];
        Arrays.fill(s, EMPTY);
        return s;
    }

    /** Spreads nearby ids (tokenizers hand out dense ranges) over the table. */
    private static int hash(int id) {
        int h = id * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
