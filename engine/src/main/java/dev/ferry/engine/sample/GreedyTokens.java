package dev.ferry.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The greedy token of each row of a step's logits: its argmax, the first maximum, a NaN winning as
 * in {@code torch.argmax}. CPU fp32 logits are scanned on the host: over a 32,000-token vocabulary
 * libtorch's argmax and the copy of its result took 89-149 µs a row, the scan 38-46 (2-vCPU EPYC,
 * Zen 3; a batch-1 int8 decode step of the small preset takes about 9 ms). Other logits go through
 * libtorch.
 */
public final class GreedyTokens {
    private GreedyTokens() {}

    /** @param logits {@code [rows, vocab]} */
    public static int[] of(NDArray logits) {
        int rows = Math.toIntExact(logits.getShape().get(0));
        if (logits.getDevice().isGpu() || logits.getDataType() != DataType.FLOAT32) {
            try (NDArray ids = logits.argMax(1)) {
                return Sampler.toInts(ids.toLongArray());
            }
        }
        int vocab = Math.toIntExact(logits.getShape().get(1));
        // the tensor's own memory where it is contiguous (as a step's logits are), else a copy
        FloatBuffer values = JniUtils.getByteBuffer((PtNDArray) logits, true).order(ByteOrder.nativeOrder()).asFloatBuffer();
        int[] tokens = new int[rows];
        for (int r = 0; r < rows; r++) {
            tokens[r] = argMax(values, r * vocab, vocab);
        }
        return tokens;
    }

    private static int argMax(FloatBuffer values, int from, int n) {
        int best = 0;
        float max = values.get(from);
        if (Float.isNaN(max)) {
            return 0;
        }
        for (int i = 1; i < n; i++) {
            float v = values.get(from + i);
            if (v > max) {
                max = v;
                best = i;
            } else if (Float.isNaN(v)) {
                return i;
            }
        }
        return best;
    }
}
