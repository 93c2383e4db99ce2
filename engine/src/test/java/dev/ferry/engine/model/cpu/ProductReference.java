package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** A dense layer's product in float64, and how far a form's result is from it, for the forms' tests. */
final class ProductReference {
    private ProductReference() {}

    /** {@code x · wᵀ + b} in float64; {@code b} may be null. */
    static NDArray reference(NDArray x, NDArray w, NDArray b) {
        NDArray y = x.toType(DataType.FLOAT64, false).matMul(w.toType(DataType.FLOAT64, false).transpose());
        return b == null ? y : y.add(b.toType(DataType.FLOAT64, false));
    }

    /** The largest absolute difference, relative to the reference's largest magnitude. */
    static double maxRelativeError(NDArray got, NDArray expected) {
        NDArray diff = got.toType(DataType.FLOAT64, false).sub(expected).abs().max();
        return diff.getDouble() / expected.abs().max().getDouble();
    }
}
