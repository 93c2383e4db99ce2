package dev.ferry.engine.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The paged KV pool of one model instance. Per layer, keys and values are stored block-major and
 * head-major inside a block: row {@code (block * kvHeads + head) * blockSize + offset} holds one
 * head's vector for one token. Gathering a sequence's blocks therefore yields its keys already laid
 * out as {@code [kvHeads, tokens, headDim]}, contiguous, without the strided transposes that an
 * advanced-index gather of token slots would need (the DJL-NOTES measure those at up to 5x the
 * attention math).
 *
 * <p>Only the engine loop of the owning model touches this object.
 */
public final class KvCache implements AutoCloseable {
    private final KvCacheSpec spec;
    private final NDManager manager;
    /** Per layer {@code [numBlocks * kvHeads * blockSize, headDim]}: the rows written per token. */
    private final NDArray[] keyRows;
    private final NDArray[] valueRows;
    /** Views of the same storage as {@code [numBlocks * kvHeads, blockSize * headDim]}: gathered per block. */
    private final NDArray[] keyBlocks;
    private final NDArray[] valueBlocks;

    public KvCache(KvCacheSpec spec, NDManager parent) {
        this.spec = spec;
        this.manager = parent.newSubManager();
        int layers = spec.numLayers();
        keyRows = new NDArray[layers];
        valueRows = new NDArray[layers];
        keyBlocks = new NDArray[layers];
        valueBlocks = new NDArray[layers];
        Shape rows = new Shape((long) spec.numBlocks() * spec.kvHeads() * spec.blockSize(), spec.headDim());
        Shape blocks = new Shape((long) spec.numBlocks() * spec.kvHeads(), (long) spec.blockSize() * spec.headDim());
        for (int l = 0; l < layers; l++) {
            keyRows[l] = manager.zeros(rows, spec.dtype());
            valueRows[l] = manager.zeros(rows, spec.dtype());
            keyBlocks[l] = keyRows[l].reshape(blocks);
            valueBlocks[l] = valueRows[l].reshape(blocks);
        }
    }

    public KvCacheSpec spec() {
        return spec;
    }

    /**
     * The pool rows a step writes: for every token and KV head, in token-major order, matching a
     * {@code [tokens, kvHeads, headDim]} key tensor reshaped to rows.
     */
    public NDIndex writeIndex(int[] slots, NDManager step) {
        int kv = spec.kvHeads();
        int bs = spec.blockSize();
        long[] rows = new long[slots.length * kv];
        for (int t = 0; t < slots.length; t++) {
            int block = slots[t] / bs;
            int offset = slots[t] % bs;
            for (int h = 0; h < kv; h++) {
                rows[t * kv + h] = ((long) block * kv + h) * bs + offset;
            }
        }
        return new NDIndex("{}", step.create(rows));
    }

    /**
     * Block rows to gather for a group of sequences, padded to {@code maxBlocks} per sequence with
     * block 0 (whatever it holds is masked out by attention).
     */
    public NDArray gatherIndex(int[][] blockTables, int maxBlocks, NDManager step) {
        int kv = spec.kvHeads();
        long[] rows = new long[blockTables.length * kv * maxBlocks];
        int i = 0;
        for (int[] table : blockTables) {
            for (int h = 0; h < kv; h++) {
                for (int j = 0; j < maxBlocks; j++) {
                    int block = j < table.length ? table[j] : 0;
                    rows[i++] = (long) block * kv + h;
                }
            }
        }
        return step.create(rows);
    }

    /** Stores the step's keys and values ({@code [tokens, kvHeads, headDim]} each) at {@code index}. */
    public void write(int layer, NDArray keys, NDArray values, NDIndex index) {
        long n = keys.getShape().get(0) * spec.kvHeads();
        Shape rows = new Shape(n, spec.headDim());
        keyRows[layer].set(index, keys.reshape(rows));
        valueRows[layer].set(index, values.reshape(rows));
    }

    /**
     * Keys or values of a group of sequences as {@code [sequences, kvHeads, maxBlocks * blockSize,
     * headDim]}, from an index made by {@link #gatherIndex}. The result belongs to the index's manager.
     */
    public NDArray gatherKeys(int layer, NDArray index, int numSeqs) {
        return gather(keyBlocks[layer], index, numSeqs);
    }

    public NDArray gatherValues(int layer, NDArray index, int numSeqs) {
        return gather(valueBlocks[layer], index, numSeqs);
    }

    private NDArray gather(NDArray blocks, NDArray index, int numSeqs) {
        NDArray rows = JniUtils.embedding((PtNDArray) index, (PtNDArray) blocks, false);
        long tokens = index.getShape().get(0) / numSeqs / spec.kvHeads() * spec.blockSize();
        return rows.reshape(numSeqs, spec.kvHeads(), tokens, spec.headDim());
    }

    @Override
    public void close() {
        manager.close();
    }
}
