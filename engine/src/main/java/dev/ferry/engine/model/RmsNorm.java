package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm exactly as transformers computes it: {@code w * (x / sqrt(mean(x^2) + eps))}, in float32
 * when activations are fp16. ({@code normalize(2, -1, eps)} would take two ops instead of six but
 * clamps the norm instead of adding eps, which the golden tests notice.)
 */
final class RmsNorm {
    private static final int[] LAST = {-1};

    private final NDArray weight;
    private final NDArray eps;

    RmsNorm(NDArray weight, double eps, NDManager manager) {
        this.weight = weight;
        DataType normType = weight.getDataType() == DataType.FLOAT16 ? DataType.FLOAT32 : weight.getDataType();
        this.eps = manager.full(new ai.djl.ndarray.types.Shape(), (float) eps, normType);
    }

    NDArray apply(NDArray x) {
        DataType in = x.getDataType();
        NDArray xf = in == DataType.FLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
        NDArray var = xf.square().mean(LAST, true);
        var.addi(eps);
        NDArray y = xf.div(var.sqrt());
        if (in == DataType.FLOAT16) {
            y = y.toType(in, false);
        }
        return y.muli(weight);
    }
}
