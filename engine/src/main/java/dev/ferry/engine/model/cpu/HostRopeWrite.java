package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.sun.jna.Pointer;
import dev.ferry.engine.kv.KvCache;

/**
 * RoPE and the KV write of a small fp32 CPU step, done from Java on the memory of the q/k/v
 * product and of the KV pool. For a few tokens the libtorch way (three views, the rotation
 * product, two multiplies and an add, a concat, an indexed put) costs about 70 µs a layer on the
 * 2-core machine, nearly all of it dispatch; this costs a few. The rotation is the rope tables'
 * own float arithmetic in the same order ({@link HostRope}), so queries, keys and values come out bit for bit as the
 * libtorch way leaves them.
 */
public final class HostRopeWrite {
    private final HostRope rope;
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    public HostRopeWrite(HostRope rope, int heads, int kvHeads, int headDim) {
        this.rope = rope;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /**
     * Whether a step of {@code tokens} tokens takes this way: few tokens ({@link HostAttention} takes
     * more where it attends), on a pool this way {@linkplain #fits fits}.
     */
    public static boolean applies(int tokens, DataType dtype, KvCache kv) {
        return tokens <= SmallStepThreads.MAX_TOKENS && fits(dtype, kv);
    }

    /**
     * Whether this way can write the pool: fp32 activations and pool on the CPU, and a pool whose
     * layers each fit one direct buffer (DJL's only view of a tensor's memory).
     */
    static boolean fits(DataType dtype, KvCache kv) {
        NDArray pool = kv.rows(0);
        return dtype == DataType.FLOAT32 && pool.getDataType() == DataType.FLOAT32 && !pool.getDevice().isGpu()
                && pool.size() * Float.BYTES <= Integer.MAX_VALUE;
    }

    /** Each token's cos and sin rows, computed once per step for all layers, from each token's table row. */
    public float[][][] tables(int[] rows) {
        float[][][] out = new float[rows.length][][];
        for (int t = 0; t < rows.length; t++) {
            out[t] = rope.hostRows(rows[t]);
        }
        return out;
    }

    /**
     * Rotates the queries of {@code qkv: [tokens, heads + 2 kvHeads, headDim]} (a contiguous product
     * output) in place and writes each token's rotated key and its value into the pool at its slot.
     */
    public void apply(int layer, NDArray qkv, int[] slots, float[][][] cosSin, KvCache kv) {
        Pointer products = OpenBlas.address(qkv);
        Pointer pool = OpenBlas.address(kv.rows(layer));
        int width = (heads + 2 * kvHeads) * headDim;
        float[] row = new float[width];
        for (int t = 0; t < slots.length; t++) {
            long at = (long) t * width * Float.BYTES;
            products.read(at, row, 0, width);
            rope.rotateOnHost(row, 0, heads + kvHeads, cosSin[t]);
            products.write(at, row, 0, heads * headDim);
            for (int kOrV = 0; kOrV < 2; kOrV++) {
                for (int h = 0; h < kvHeads; h++) {
                    int from = (heads + kOrV * kvHeads + h) * headDim;
                    pool.write(kv.spec().row(slots[t], kOrV, h) * headDim * Float.BYTES, row, from, headDim);
                }
            }
        }
    }
}
