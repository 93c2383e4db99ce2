package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** torch.nn.LayerNorm over the last dimension (biased variance), as GPT-2 uses it. */
public final class LayerNorm {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape normalized;
    private final double eps;

    public LayerNorm(NDArray weight, NDArray bias, double eps) {
        this.weight = weight;
        this.bias = bias;
        this.normalized = weight.getShape();
        this.eps = eps;
    }

    public NDArray apply(NDArray x) {
        return JniUtils.layerNorm((PtNDArray) x, normalized, (PtNDArray) weight, (PtNDArray) bias, eps);
    }
}
