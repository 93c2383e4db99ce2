package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * GELU in the form a model was trained with. {@link #tanh}: {@code 0.5 x (1 + tanh(sqrt(2/pi)
 * (x + 0.044715 x^3)))}, GPT-2's "gelu_new" (Gemma's "gelu_pytorch_tanh" is the same function),
 * whose constants are scalars of the activation dtype made once rather than in every call.
 * {@link #exact}: {@code x Φ(x)} through the error function, BERT's "gelu" (torch's default, one op).
 */
public final class Gelu {
    /** The tanh form's constants; null for the exact form. */
    private final NDArray cubic;
    private final NDArray scale;
    private final NDArray one;
    private final NDArray half;

    private Gelu(NDArray cubic, NDArray scale, NDArray one, NDArray half) {
        this.cubic = cubic;
        this.scale = scale;
        this.one = one;
        this.half = half;
    }

    public static Gelu tanh(DataType dtype, NDManager manager) {
        return new Gelu(manager.full(new Shape(), 0.044715f, dtype),
                manager.full(new Shape(), (float) Math.sqrt(2 / Math.PI), dtype),
                manager.full(new Shape(), 1f, dtype), manager.full(new Shape(), 0.5f, dtype));
    }

    public static Gelu exact() {
        return new Gelu(null, null, null, null);
    }

    public NDArray apply(NDArray x) {
        if (cubic == null) {
            return JniUtils.gelu((PtNDArray) x);
        }
        NDArray inner = x.square().muli(x).muli(cubic).addi(x).muli(scale);
        return inner.tanh().addi(one).muli(x).muli(half);
    }
}
