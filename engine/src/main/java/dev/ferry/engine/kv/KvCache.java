package dev.ferry.engine.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The paged KV pool of one model instance. Per layer one array holds keys and values, block-major
 * and head-major inside a block: row {@code ((block * 2 + kOrV) * kvHeads + head) * blockSize +
 * offset} holds one head's key ({@code kOrV = 0}) or value (1) for one token ({@link KvCacheSpec#row}). A step writes all its
 * keys and values with one indexed put, and gathering a group's blocks is one row gather whose
 * result is already laid out as {@code [2, sequences, kvHeads, tokens, headDim]}, contiguous: no
 * strided transposes, which the DJL-NOTES measured at up to 5x the attention math.
 *
 * <p>Only the engine loop of the owning model touches this object.
 */
public final class KvCache implements AutoCloseable {
    private final KvCacheSpec spec;
    private final NDManager manager;
    /** Per layer {@code [numBlocks * 2 * kvHeads * blockSize, headDim]}: the rows written per token. */
    private final NDArray[] rows;
    /** Views of the same storage as {@code [numBlocks * 2 * kvHeads, blockSize * headDim]}: gathered per block. */
    private final NDArray[] blocks;

    public KvCache(KvCacheSpec spec, NDManager parent) {
        this.spec = spec;
        this.manager = parent.newSubManager();
        int layers = spec.numLayers();
        rows = new NDArray[layers];
        blocks = new NDArray[layers];
        long blockRows = 2L * spec.numBlocks() * spec.kvHeads();
        Shape rowShape = new Shape(blockRows * spec.blockSize(), spec.headDim());
        Shape blockShape = new Shape(blockRows, (long) spec.blockSize() * spec.headDim());
        for (int l = 0; l < layers; l++) {
            rows[l] = manager.zeros(rowShape, spec.dtype());
            blocks[l] = rows[l].reshape(blockShape);
        }
    }

    public KvCacheSpec spec() {
        return spec;
    }

    /**
     * The pool rows a step writes, {@code [tokens, 2 * kvHeads]}: the row of each head of a {@code
     * [tokens, 2 * kvHeads, headDim]} tensor of each token's keys then values.
     */
    public NDIndex writeIndex(int[] slots, NDManager step) {
        int kv = spec.kvHeads();
        long[] out = new long[slots.length * 2 * kv];
        int i = 0;
        for (int slot : slots) {
            for (int kOrV = 0; kOrV < 2; kOrV++) {
                for (int h = 0; h < kv; h++) {
                    out[i++] = spec.row(slot, kOrV, h);
                }
            }
        }
        return new NDIndex("{}", step.create(out, new Shape(slots.length, 2L * kv)));
    }

    /** The layer's pool, {@code [rows, headDim]} contiguous (see {@link KvCacheSpec#row}), for writers that address its memory. */
    public NDArray rows(int layer) {
        return rows[layer];
    }

    /**
     * Block rows to gather for a group of sequences, padded to {@code maxBlocks} per sequence with
     * block 0 (whatever it holds is masked out by attention).
     */
    public NDArray gatherIndex(int[][] blockTables, int maxBlocks, NDManager step) {
        int kv = spec.kvHeads();
        long[] out = new long[2 * blockTables.length * kv * maxBlocks];
        int i = 0;
        for (int kOrV = 0; kOrV < 2; kOrV++) {
            for (int[] table : blockTables) {
                for (int h = 0; h < kv; h++) {
                    for (int j = 0; j < maxBlocks; j++) {
                        int block = j < table.length ? table[j] : 0;
                        out[i++] = spec.blockRow(block, kOrV, h);
                    }
                }
            }
        }
        return step.create(out);
    }

    /**
     * Stores the step's keys and values, {@code [tokens, 2 * kvHeads, headDim]} (keys first, a view
     * will do), at {@code index}: one pool row per head, the index shaped as the heads so that no
     * reshape comes between.
     */
    public void write(int layer, NDArray keysValues, NDIndex index) {
        rows[layer].set(index, keysValues);
    }

    /**
     * Keys and values of a group of sequences as {@code [2, sequences, kvHeads, maxBlocks * blockSize,
     * headDim]} (index 0 keys, 1 values), from an index made by {@link #gatherIndex}. The result
     * belongs to the index's manager.
     */
    public NDArray gather(int layer, NDArray index, int numSeqs) {
        NDArray got = JniUtils.embedding((PtNDArray) index, (PtNDArray) blocks[layer], false);
        long tokens = index.getShape().get(0) / 2 / numSeqs / spec.kvHeads() * spec.blockSize();
        return got.reshape(2, numSeqs, spec.kvHeads(), tokens, spec.headDim());
    }

    @Override
    public void close() {
        manager.close();
    }
}
