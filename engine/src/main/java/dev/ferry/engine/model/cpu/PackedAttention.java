package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Pointer;

/**
 * An encoder's self-attention over a packed batch in one native call per layer, each input
 * attending to its own rows only (see {@code ferry_packed_attention} in the C file): the
 * libtorch form took a dozen ops per input and layer. On the 2-vCPU EPYC (AVX2), 16 inputs of
 * 10-256 tokens, a layer's attention took 23-27 ms of CPU against libtorch's 27-29 (one JVM, in
 * turns). The heads are the parts shared with the thread's {@link BlasPartner}.
 */
public final class PackedAttention {
    private PackedAttention() {}

    /**
     * Whether the kernel runs on this {@code qkv}: an fp32 CPU tensor, with the native kernels loaded
     * at a vector level. The portable level's 8-float vectors live on the stack without AVX (SSE2's
     * 16 registers do not hold the 8 accumulators), and there it measured 15-20 times slower than
     * the libtorch form, which then runs instead.
     */
    public static boolean applies(NDArray qkv) {
        return NativeKernels.atVectorLevel() && qkv.getDataType() == DataType.FLOAT32 && !qkv.getDevice().isGpu();
    }

    /**
     * The context {@code [tokens, heads · headDim]}, in {@code qkv}'s manager.
     *
     * @param qkv {@code [tokens, 3 · heads · headDim]}: each token's queries (already scaled by
     *     {@code 1/sqrt(headDim)}), keys and values, head by head; contiguous
     * @param starts each input's first row
     * @param lengths each input's rows
     */
    public static NDArray apply(NDArray qkv, int[] starts, int[] lengths, int heads, int headDim) {
        long tokens = qkv.getShape().get(0);
        NDArray context = qkv.getManager().create(new Shape(tokens, (long) heads * headDim), DataType.FLOAT32);
        Pointer q = OpenBlas.address(qkv);
        Pointer c = OpenBlas.address(context);
        OpenBlas.eachUnitAPart(heads, (from, count) -> NativeKernels.packedAttention(q, c, starts, lengths, heads,
                headDim, from, count));
        return context;
    }
}
