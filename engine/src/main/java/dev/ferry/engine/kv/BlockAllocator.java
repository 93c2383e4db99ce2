package dev.ferry.engine.kv;

import java.util.Arrays;

/**
 * Hands out KV blocks from a fixed pool. A sequence grows its block table one block at a time as
 * its tokens fill the previous block; finished sequences give all their blocks back.
 */
public final class BlockAllocator {
    private final int[] freeStack;
    private int freeCount;

    public BlockAllocator(int numBlocks) {
        freeStack = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            freeStack[i] = numBlocks - 1 - i; // block 0 handed out first
        }
        freeCount = numBlocks;
    }

    public int numFree() {
        return freeCount;
    }

    public int numBlocks() {
        return freeStack.length;
    }

    /**
     * Extends {@code table} so it holds {@code tokens} tokens of {@code blockSize}; returns the new
     * table, or null (and allocates nothing) when the pool has too few free blocks.
     */
    public int[] ensureCapacity(int[] table, int tokens, int blockSize) {
        int needed = (tokens + blockSize - 1) / blockSize - table.length;
        if (needed <= 0) {
            return table;
        }
        if (needed > freeCount) {
            return null;
        }
        int[] out = Arrays.copyOf(table, table.length + needed);
        for (int i = table.length; i < out.length; i++) {
            out[i] = freeStack[--freeCount];
        }
        return out;
    }

    public void release(int[] table) {
        for (int b : table) {
            freeStack[freeCount++] = b;
        }
    }
}
