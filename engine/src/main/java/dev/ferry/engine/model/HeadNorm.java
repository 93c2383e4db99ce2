package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.ferry.store.config.DecoderConfig;

/**
 * The per-head RMSNorm of queries and keys before RoPE (Qwen3's and Gemma 3's {@code q_norm} and
 * {@code k_norm}, over head_dim), on a fused q/k/v product: one norm over the query and key heads
 * together, each head row scaled by its own weight (the query heads' weight also carries the
 * attention scale, which the norm would undo if it were folded into the query rows). Values pass
 * unchanged.
 */
public final class HeadNorm {
    private final RmsNorm norm;
    private final NDIndex queriesAndKeys;
    private final NDIndex values;

    /**
     * @param weight {@code [heads + kvHeads, headDim]}: the query norm's weight (times the attention
     *     scale) for each query head, then the key norm's for each KV head
     */
    public HeadNorm(NDArray weight, int heads, int kvHeads, double eps, DataType activations, NDManager manager) {
        this.norm = new RmsNorm(weight, eps, activations, manager);
        this.queriesAndKeys = new NDIndex(":, :" + (heads + kvHeads));
        this.values = new NDIndex(":, " + (heads + kvHeads) + ":");
    }

    /**
     * The norms of layer {@code prefix} ({@code model.layers.N.self_attn.}), as the loaders build them.
     *
     * @param queryScale the attention scale, carried by the query heads' weight
     * @param weightOffset added to the stored weights: 1 for Gemma's (1 + w) norms, else 0
     */
    public static HeadNorm load(WeightReader r, String prefix, DecoderConfig c, double queryScale,
                                double weightOffset, DataType activations, NDManager manager) {
        HostTensor q = r.host(prefix + "q_norm.weight").plus(weightOffset).scaleRows(0, c.headDim(), queryScale);
        HostTensor k = r.host(prefix + "k_norm.weight").plus(weightOffset);
        NDArray weight = r.upload(HostTensor.concatRows(q.repeatAsRows(c.numHeads()), k.repeatAsRows(c.numKvHeads())));
        return new HeadNorm(weight, c.numHeads(), c.numKvHeads(), c.normEps(), activations, manager);
    }

    /** {@code qkv: [T, H + 2KV, D]} to a new contiguous {@code [T, H + 2KV, D]} with q and k normed. */
    public NDArray apply(NDArray qkv, StepInputs in) {
        return norm.apply(qkv.get(in.manager, queriesAndKeys)).concat(qkv.get(in.manager, values), 1);
    }
}
