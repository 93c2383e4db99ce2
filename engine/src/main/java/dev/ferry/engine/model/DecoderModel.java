package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.store.config.DecoderConfig;

/**
 * A decoder-only language model as an NDArray program over the flattened-batch contract: one call
 * computes every token of a step (decodes and prefill chunks of many sequences), writes their keys
 * and values into the paged cache and returns logits for the rows that are sampled.
 */
public interface DecoderModel extends AutoCloseable {

    DecoderConfig config();

    /** Dtype of activations and of the KV cache. */
    DataType dtype();

    /** Logits {@code [sampled rows, vocab]} in float32, owned by the step's manager. */
    NDArray forward(StepInputs in, KvCache kv);

    /** All dense layers in the order a step runs them, for the load-time choice of weight forms. */
    java.util.List<Linear> linears();

    /** Gets the model's own Java kernels compiled before the first request; nothing for most models. */
    default void warmUp() {}

    @Override
    void close();

    /** Logits as the sampler takes them. */
    static NDArray float32(NDArray logits) {
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }
}
