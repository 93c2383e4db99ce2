package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.store.config.PoolingMode;

/**
 * Token vectors to one vector per input, as sentence-transformers' Pooling and Normalize modules
 * compute them: the first token, the mean or maximum over the input's own tokens (padding
 * excluded), or its last token; then optionally scaled to unit L2 norm. Works on any model's
 * right-padded hidden states, so a decoder-based embedding model (last-token pooling) reuses it.
 */
public final class Pooling {
    /** torch.nn.functional.normalize's default eps, which sentence-transformers' Normalize uses. */
    private static final double NORM_EPS = 1e-12;
    private static final NDIndex FIRST_TOKEN = new NDIndex(":, 0");

    private final PoolingMode mode;
    private final boolean normalize;

    public Pooling(PoolingMode mode, boolean normalize) {
        this.mode = mode;
        this.normalize = normalize;
    }

    /**
     * @param hidden {@code [rows, width, dim]} in any float dtype, owned by {@code step}
     * @return {@code [rows, dim]} in fp32, owned by {@code step}
     */
    public NDArray apply(NDArray hidden, PaddedBatch batch, NDManager step) {
        NDArray h = hidden.getDataType() == DataType.FLOAT32 ? hidden : hidden.toType(DataType.FLOAT32, false);
        Shape slots = new Shape(batch.rows(), batch.width(), 1);
        NDArray pooled = switch (mode) {
            case CLS -> h.get(FIRST_TOKEN);
            case MEAN -> {
                NDArray summed = batch.padded() ? h.mul(step.create(batch.slotMask(1f, 0f), slots)).sum(new int[] {1})
                        : h.sum(new int[] {1});
                yield summed.divi(step.create(asFloats(batch.lengths()), new Shape(batch.rows(), 1)));
            }
            case MAX -> (batch.padded()
                    ? h.add(step.create(batch.slotMask(0f, Float.NEGATIVE_INFINITY), slots)) : h).max(new int[] {1});
            case LAST_TOKEN -> {
                long[] rows = new long[batch.rows()];
                for (int r = 0; r < rows.length; r++) {
                    rows[r] = (long) r * batch.width() + batch.lengths()[r] - 1;
                }
                yield h.reshape(-1, h.getShape().get(2)).get(new NDIndex("{}", step.create(rows)));
            }
        };
        return normalize ? JniUtils.normalize((PtNDArray) pooled, 2, -1, NORM_EPS) : pooled;
    }

    public PoolingMode mode() {
        return mode;
    }

    public boolean normalizes() {
        return normalize;
    }

    private static float[] asFloats(int[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }
}
