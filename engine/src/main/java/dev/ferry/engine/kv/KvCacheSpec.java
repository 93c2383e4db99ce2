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

    public long totalBytes() {
        return bytesPerToken(numLayers, kvHeads, headDim, dtype) * blockSize * numBlocks;
    }
}
