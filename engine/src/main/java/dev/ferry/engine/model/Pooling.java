package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.store.config.PoolingMode;

/**
 * Token vectors to one vector per input, as sentence-transformers' Pooling and Normalize modules
 * compute them: the first token, the mean or maximum over the input's own tokens, or its last
 * token; then optionally scaled to unit L2 norm. Works on any model's packed hidden states
 * ({@link PackedBatch}), so a decoder-based embedding model (last-token pooling) could reuse it.
 */
public final class Pooling {
    /** torch.nn.functional.normalize's default eps, which sentence-transformers' Normalize uses. */
    private static final double NORM_EPS = 1e-12;

    private final PoolingMode mode;
    private final boolean normalize;

    public Pooling(PoolingMode mode, boolean normalize) {
        this.mode = mode;
        this.normalize = normalize;
    }

    /**
     * @param hidden {@code [tokens, dim]} packed as {@code batch} is, in any float dtype, owned by {@code step}
     * @return {@code [rows, dim]} in fp32, owned by {@code step}
     */
    public NDArray apply(NDArray hidden, PackedBatch batch, NDManager step) {
        NDArray h = hidden.getDataType() == DataType.FLOAT32 ? hidden : hidden.toType(DataType.FLOAT32, false);
        NDArray pooled = switch (mode) {
            case CLS, LAST_TOKEN -> {
                long[] rows = new long[batch.rows()];
                for (int r = 0; r < rows.length; r++) {
                    rows[r] = batch.starts()[r] + (mode == PoolingMode.CLS ? 0 : batch.lengths()[r] - 1);
                }
                yield h.get(new NDIndex("{}", step.create(rows)));
            }
            case MEAN, MAX -> {
                NDList perInput = new NDList(batch.rows());
                for (int r = 0; r < batch.rows(); r++) {
                    NDArray own = h.get(new NDIndex().addSliceDim(batch.starts()[r], batch.starts()[r] + batch.lengths()[r]));
                    perInput.add(mode == PoolingMode.MEAN ? own.mean(new int[] {0}, true) : own.max(new int[] {0}, true));
                }
                yield perInput.size() == 1 ? perInput.head() : NDArrays.concat(perInput);
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
}
