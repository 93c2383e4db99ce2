package dev.ferry.engine.kv;

import ai.djl.ndarray.types.DataType;

/**
 * Shape of the paged KV pool: {@code numBlocks} blocks of {@code blockSize} token slots, each slot
 * holding one key and one value vector per KV head in every layer.
 */
public record KvCacheSpec(int numBlocks, int blockSize, int numLayers, int kvHeads, int headDim, DataType dtype) {

    public KvCacheSpec {
        if (numBlocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("KV cache needs at least one block of at least one slot");
        }
    }

    public static long bytesPerToken(int numLayers, int kvHeads, int headDim, DataType dtype) {
        return 2L * numLayers * kvHeads * headDim * dtype.getNumOfBytes();
    }

    /** The most blocks that fit in {@code budgetBytes}. */
    public static int blocksFor(long budgetBytes, int blockSize, int numLayers, int kvHeads, int headDim, DataType dtype) {
        long perBlock = bytesPerToken(numLayers, kvHeads, headDim, dtype) * blockSize;
        return (int) Math.min(Integer.MAX_VALUE, budgetBytes / perBlock);
    }

    /** The pool slot that holds the token at {@code position} of a sequence with block table {@code table}. */
    public static int slot(int[] table, int position, int blockSize) {
        return table[position / blockSize] * blockSize + position % blockSize;
    }

    /**
     * The pool row of one head's key ({@code kOrV = 0}) or value (1) for the token in {@code slot}:
     * blocks are laid out block-major, then keys before values, then head-major, then token.
     */
    public long row(int slot, int kOrV, int head) {
        return blockRow(slot / blockSize, kOrV, head) * blockSize + slot % blockSize;
    }

    /** The row, counted in whole blocks of {@code blockSize} rows, where {@code block}'s keys or values of one head start. */
    public long blockRow(int block, int kOrV, int head) {
        return ((long) block * 2 + kOrV) * kvHeads + head;
    }

    public long totalBytes() {
        return bytesPerToken(numLayers, kvHeads, headDim, dtype) * blockSize * numBlocks;
    }
}
