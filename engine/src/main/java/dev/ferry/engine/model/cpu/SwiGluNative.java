package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import com.sun.jna.Pointer;
import dev.ferry.engine.model.StepBuffers;

/**
 * Llama's MLP activation {@code silu(gate) · up} for the tokens of a host-attended fp32 CPU step,
 * by the native kernels ({@code ferry_swiglu}): a batch-1 step's 2,048 gates took 12-25 µs a layer
 * through the Java Vector API's EXP on the Zen 3 EPYC, a few here. A prefill's tokens go in parts
 * shared with the thread's {@link BlasPartner}. Against the Java kernel, in turns in one process
 * (small preset): 128-token prefill 1.07x (quartiles 1.01-1.09), batch-1 step 0.98x for int8 and
 * fp16 weights.
 */
public final class SwiGluNative {
    /** Tokens per part: a prefill of 128 tokens makes 8, a decode step one (no hand-off). */
    private static final int TOKENS_PER_PART = 16;

    private SwiGluNative() {}

    /** Whether the native kernels run at a vector level (at the portable one their vectors live on the stack). */
    public static boolean available() {
        return NativeKernels.atVectorLevel();
    }

    /** {@code gateUp: [tokens, 2 * inter]} contiguous, gates first; returns {@code [tokens, inter]}, one of the step's buffers. */
    public static NDArray apply(NDArray gateUp, int tokens, int inter, StepBuffers buffers) {
        NDArray out = buffers.get(tokens, inter);
        Pointer in = OpenBlas.address(gateUp);
        Pointer result = OpenBlas.address(out);
        int parts = (tokens + TOKENS_PER_PART - 1) / TOKENS_PER_PART;
        OpenBlas.eachUnitAPart(parts, (from, count) -> {
            int first = from * TOKENS_PER_PART;
            int n = Math.min(count * TOKENS_PER_PART, tokens - first);
            NativeKernels.swiglu(in.share((long) first * 2 * inter * Float.BYTES),
                    result.share((long) first * inter * Float.BYTES), n, inter);
        });
        return out;
    }
}
