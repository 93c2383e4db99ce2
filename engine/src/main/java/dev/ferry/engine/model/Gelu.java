package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * GELU in its tanh form, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: GPT-2's
 * "gelu_new" (Gemma's "gelu_pytorch_tanh" is the same function). Its constants are scalars of the
 * activation dtype, made once rather than in every call.
 */
public final class Gelu {
    private final NDArray cubic;
    private final NDArray scale;
    private final NDArray one;
    private final NDArray half;

    public Gelu(DataType dtype, NDManager manager) {
        cubic = manager.full(new Shape(), 0.044715f, dtype);
        scale = manager.full(new Shape(), (float) Math.sqrt(2 / Math.PI), dtype);
        one = manager.full(new Shape(), 1f, dtype);
        half = manager.full(new Shape(), 0.5f, dtype);
    }

    public NDArray apply(NDArray x) {
        NDArray inner = x.square().muli(x).muli(cubic).addi(x).muli(scale);
        return inner.tanh().addi(one).muli(x).muli(half);
    }
}
