package dev.ferry.engine.model;

import ai.djl.ndarray.types.DataType;

/**
 * The dtypes a model runs in: {@code activations} for the residual stream, norms, attention and the
 * KV cache; {@code weights} for the matrices of dense layers. They differ in one case: fp16 on a
 * CPU keeps activations in fp32 (CPU fp16 arithmetic is slow and lossy) while dense layers read
 * fp16 weights, which halves the bytes a small batch has to stream.
 */
public record Precision(DataType activations, DataType weights) {

    public static Precision uniform(DataType type) {
        return new Precision(type, type);
    }

    public boolean mixed() {
        return activations != weights;
    }
}
