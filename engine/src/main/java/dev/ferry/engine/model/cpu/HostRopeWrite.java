package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.sun.jna.Pointer;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.KvCacheSpec;

/**
 * RoPE and the KV write of a small fp32 CPU step, done on the memory of the q/k/v product and of the
 * KV pool: in one native call per layer where the native kernels are loaded, else in Java. For a few
 * tokens the libtorch way (three views, the rotation product, two multiplies and an add, a concat,
 * an indexed put) costs about 70 µs a layer on the 2-core machine, nearly all of it dispatch; Java
 * costs about 5 µs a token, the native call a fraction of that (int8 batch-1 step 0.94x, in turns
 * in one process). The rotation is the rope tables' own float arithmetic in the same order ({@link
 * HostRope}), so queries, keys and values come out bit for bit as the libtorch way leaves them.
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

    /**
     * Each token's cos and sin rows, computed once per step for all layers, from each token's table
     * row: token t's {@code headDim} cosines at {@code 2 t headDim}, then its sines.
     */
    public float[] tables(int[] rows) {
        float[] out = new float[rows.length * 2 * headDim];
        for (int t = 0; t < rows.length; t++) {
            rope.hostRows(rows[t], out, 2 * t * headDim);
        }
        return out;
    }

    /**
     * Rotates the queries and keys of {@code qkv: [tokens, heads + 2 kvHeads, headDim]} (a contiguous
     * product output) in place and writes each token's rotated key and its value into the pool at
     * its slot: in one native call where the kernels are loaded ({@code ferry_rope_kv_write}, the
     * same floats), else in Java.
     */
    public void apply(int layer, NDArray qkv, int[] slots, float[] cosSin, KvCache kv) {
        Pointer products = OpenBlas.address(qkv);
        Pointer pool = OpenBlas.address(kv.rows(layer));
        KvCacheSpec spec = kv.spec();
        long rowBytes = (long) headDim * Float.BYTES;
        if (NativeKernels.available()) {
            long[] slotAt = new long[slots.length];
            for (int t = 0; t < slots.length; t++) {
                slotAt[t] = spec.row(slots[t], 0, 0) * rowBytes;
            }
            long headBytes = (spec.row(0, 0, 1) - spec.row(0, 0, 0)) * rowBytes;
            long valueBytes = (spec.row(0, 1, 0) - spec.row(0, 0, 0)) * rowBytes;
            NativeKernels.ropeKvWrite(products, slots.length, heads, kvHeads, headDim, rope.rotaryHalf(), cosSin, pool,
                    slotAt, headBytes, valueBytes);
            return;
        }
        int width = (heads + 2 * kvHeads) * headDim;
        float[] row = new float[width];
        for (int t = 0; t < slots.length; t++) {
            long at = (long) t * width * Float.BYTES;
            products.read(at, row, 0, width);
            rope.rotateOnHost(row, 0, heads + kvHeads, cosSin, 2 * t * headDim);
            products.write(at, row, 0, (heads + kvHeads) * headDim);
            for (int kOrV = 0; kOrV < 2; kOrV++) {
                for (int h = 0; h < kvHeads; h++) {
                    int from = (heads + kOrV * kvHeads + h) * headDim;
                    pool.write(spec.row(slots[t], kOrV, h) * rowBytes, row, from, headDim);
                }
            }
        }
    }
}
