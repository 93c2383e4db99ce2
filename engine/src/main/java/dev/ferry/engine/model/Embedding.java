package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A lookup table {@code [ids, hidden]} (token or position embeddings) whose rows come out in the
 * activation dtype: a table held in fp16 beside fp32 activations is cast after the lookup, which
 * reads only the step's rows.
 */
public final class Embedding {
    private final NDArray table;
    private final DataType activations;

    public Embedding(NDArray table, DataType activations) {
        this.table = table;
        this.activations = activations;
    }

    /** {@code ids: [T]} (int64) to {@code [T, hidden]}. */
    public NDArray apply(NDArray ids) {
        NDArray rows = JniUtils.embedding((PtNDArray) ids, (PtNDArray) table, false);
        return rows.getDataType() == activations ? rows : rows.toType(activations, false);
    }

    /** Whether the table, and so the model, lives on a GPU. */
    public boolean onGpu() {
        return table.getDevice().isGpu();
    }
}
