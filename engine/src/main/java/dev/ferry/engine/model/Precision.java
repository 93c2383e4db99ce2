package dev.ferry.engine.model;

import ai.djl.ndarray.types.DataType;

/**
 * The dtypes a model runs in: {@code activations} for the residual stream, norms, attention and the
 * KV cache; {@code weights} for the matrices of dense layers as they are read. They differ in one
 * case: fp16 on a CPU keeps activations in fp32 (CPU fp16 arithmetic is slow and lossy) while dense
 * layers read fp16 weights, which halves the bytes a small batch has to stream. A {@link Narrowing}
 * turns each dense layer's weight, read in fp32, into a format only Ferry's CPU kernels compute on:
 * int8 with one scale per output row (a quarter of fp32's bytes), or bf16 (half).
 */
public record Precision(DataType activations, DataType weights, Narrowing narrowing) {

    /** What a dense layer's weight becomes at load, after it was read in {@link #weights}. */
    public enum Narrowing {
        /** Nothing: the weight stays in {@link #weights}. */
        NONE,
        /** Quantized to int8, one scale per output row ({@link Int8Quantizer}). */
        INT8,
        /** Rounded to bfloat16, to nearest-even ({@link Bf16Rounding}): exact for a BF16 checkpoint's weights. */
        BF16
    }

    public static Precision uniform(DataType type) {
        return new Precision(type, type, Narrowing.NONE);
    }

    /** fp32 activations, fp16 weights. */
    public static Precision halfWeights() {
        return new Precision(DataType.FLOAT32, DataType.FLOAT16, Narrowing.NONE);
    }

    /** fp32 activations, dense-layer weights read in fp32 and quantized to int8. */
    public static Precision int8Weights() {
        return new Precision(DataType.FLOAT32, DataType.FLOAT32, Narrowing.INT8);
    }

    /** fp32 activations, dense-layer weights read in fp32 and rounded to bf16. */
    public static Precision bf16Weights() {
        return new Precision(DataType.FLOAT32, DataType.FLOAT32, Narrowing.BF16);
    }

    public boolean mixed() {
        return activations != weights;
    }

    public boolean int8() {
        return narrowing == Narrowing.INT8;
    }

    public boolean bf16() {
        return narrowing == Narrowing.BF16;
    }

    /** The dense layers' weight format as the tuning cache keys it. */
    String weightFormat() {
        return narrowing == Narrowing.NONE ? weights.toString() : narrowing.name();
    }
}
