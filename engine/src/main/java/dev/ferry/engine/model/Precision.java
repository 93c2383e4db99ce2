package dev.ferry.engine.model;

import ai.djl.ndarray.types.DataType;

/**
 * The dtypes a model runs in: {@code activations} for the residual stream, norms, attention and the
 * KV cache; {@code weights} for the matrices of dense layers as they are read. They differ in one
 * case: fp16 on a CPU keeps activations in fp32 (CPU fp16 arithmetic is slow and lossy) while dense
 * layers read fp16 weights, which halves the bytes a small batch has to stream. {@code int8}
 * quantizes each dense layer's weight at load (one scale per output row) from what was read, and
 * it then streams a quarter of fp32's bytes.
 */
public record Precision(DataType activations, DataType weights, boolean int8) {

    public static Precision uniform(DataType type) {
        return new Precision(type, type, false);
    }

    /** fp32 activations, fp16 weights. */
    public static Precision halfWeights() {
        return new Precision(DataType.FLOAT32, DataType.FLOAT16, false);
    }

    /** fp32 activations, dense-layer weights read in fp32 and quantized to int8. */
    public static Precision int8Weights() {
        return new Precision(DataType.FLOAT32, DataType.FLOAT32, true);
    }

    public boolean mixed() {
        return activations != weights;
    }

    /** The dense layers' weight format as the tuning cache keys it. */
    String weightFormat() {
        return int8 ? "INT8" : weights.toString();
    }
}
