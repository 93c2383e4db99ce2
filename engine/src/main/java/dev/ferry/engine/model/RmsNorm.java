package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm as transformers computes it: {@code w * (x * rsqrt(mean(x^2) + eps))}, in float32 when
 * activations are fp16, in three new tensors: the reciprocal root is taken in place, as a power of
 * -1/2 (libtorch has it as {@code rsqrt}, DJL has no call for it). ({@code normalize(2, -1, eps)}
 * would take two but clamps the norm instead of adding eps, which the golden tests notice.) When the norm feeds a
 * dense layer, the loader folds {@code w} into that layer's columns and this norm has no weight.
 */
public final class RmsNorm {
    private static final int[] LAST = {-1};

    private final NDArray weight;
    private final NDArray eps;
    private final NDArray minusHalf;
    private final double epsilon;

    /** @param weight the scale, or null when it is folded into the next dense layer */
    public RmsNorm(NDArray weight, double eps, DataType activations, NDManager manager) {
        this.weight = weight;
        this.epsilon = eps;
        DataType normType = activations == DataType.FLOAT16 ? DataType.FLOAT32 : activations;
        this.eps = manager.full(new ai.djl.ndarray.types.Shape(), (float) eps, normType);
        this.minusHalf = manager.full(new ai.djl.ndarray.types.Shape(), -0.5f, normType);
    }

    /** Whether the scale is folded into the next dense layer, so that the norm is one factor per row. */
    boolean folded() {
        return weight == null;
    }

    /** The factor a folded norm multiplies a row by, from the row's sum of squares over {@code n} elements. */
    float rowFactor(double sumOfSquares, long n) {
        return (float) (1.0 / Math.sqrt(sumOfSquares / n + epsilon));
    }

    public NDArray apply(NDArray x) {
        DataType in = x.getDataType();
        NDArray xf = in == DataType.FLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
        NDArray var = xf.square().mean(LAST, true);
        NDArray y = xf.mul(var.addi(eps).powi(minusHalf));
        if (in == DataType.FLOAT16) {
            y = y.toType(in, false);
        }
        return weight == null ? y : y.muli(weight);
    }
}
