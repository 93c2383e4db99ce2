package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.model.cpu.HostAttention;
import dev.ferry.engine.model.cpu.HostRopeWrite;
import dev.ferry.store.config.DecoderConfig;

/**
 * A model's self-attention over the paged KV cache, from the fused q/k/v product to the heads'
 * outputs: rotary embedding (for models that have it), the step's keys and values into the cache,
 * and grouped-query attention. Where it runs is chosen once per step in {@link #prepare}, so a
 * model's forward never asks: a small fp32 CPU step rotates and writes from Java on the tensors'
 * memory ({@link HostRopeWrite}) and attends there too, in native code or Java ({@link
 * HostAttention}, which takes steps of more tokens with its native kernel, rotating and writing
 * them from Java as well); every other step runs libtorch's ops ({@link RopeTables}, {@link
 * PagedAttention}). Both ways compute the same values (the tests compare them); the host one saves
 * the dispatch of a dozen small ops a layer, and the copy of every key a step reads.
 */
public final class Attention {
    private final DataType dtype;
    /** Null when every earlier key is visible; else how many positions a query sees, its own included. */
    private final Integer slidingWindow;
    /** Null where positions are learned and added to the embeddings (GPT-2): keys are cached as they come. */
    private final RopeTables rope;
    private final HostRopeWrite hostRope;
    private final PagedAttention paged;
    private final HostAttention host;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final NDIndex queries;
    private final NDIndex queriesAndKeys;
    /** Keys then values. */
    private final NDIndex afterQueries;

    private Attention(DecoderConfig c, DataType dtype, RopeTables rope, Integer slidingWindow) {
        int heads = c.numHeads();
        int kvHeads = c.numKvHeads();
        int headDim = c.headDim();
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.dtype = dtype;
        this.slidingWindow = slidingWindow;
        this.rope = rope;
        this.hostRope = rope == null ? null : new HostRopeWrite(rope, heads, kvHeads, headDim);
        this.paged = new PagedAttention(heads, kvHeads, headDim);
        this.host = new HostAttention(heads, kvHeads, headDim, slidingWindow);
        queries = new NDIndex(":, :" + heads);
        queriesAndKeys = new NDIndex(":, :" + (heads + kvHeads));
        afterQueries = new NDIndex(":, " + heads + ":");
    }

    /** Attention whose queries and keys are rotated by {@code rope}, within the config's sliding window if any. */
    public static Attention rotary(DecoderConfig c, DataType dtype, RopeTables rope) {
        return new Attention(c, dtype, rope, c.slidingWindow());
    }

    /**
     * Attention rotated by {@code rope} within {@code window} (null for none): one of the layer types
     * of a model whose layers differ in both (Gemma 3's sliding and global layers).
     */
    public static Attention rotary(DecoderConfig c, DataType dtype, RopeTables rope, Integer window) {
        return new Attention(c, dtype, rope, window);
    }

    /** Attention over the whole context without rotation: positions were added to the embeddings. */
    public static Attention unrotated(DecoderConfig c, DataType dtype) {
        return new Attention(c, dtype, null, null);
    }

    /**
     * One step's choice of kernels and what they share across layers (the rotary rows or tables, the
     * keys each token reads), computed once before the first layer.
     */
    public static final class Step {
        private final StepInputs in;
        private final KvCache kv;
        /** Each token's cos and sin rows where rope and the KV write run on the host; else null. */
        private final float[] hostCosSin;
        /** The step's cos and sin tables where rope runs through libtorch; else null. */
        private final NDArray[] cosSin;
        /** What each token reads where attention runs on the host; else null. */
        private final HostAttention.StepKeys hostKeys;
        /** The batched groups and masks where attention runs through libtorch; else null. */
        private final AttentionPlan plan;

        private Step(StepInputs in, KvCache kv, float[] hostCosSin, NDArray[] cosSin,
                     HostAttention.StepKeys hostKeys, AttentionPlan plan) {
            this.in = in;
            this.kv = kv;
            this.hostCosSin = hostCosSin;
            this.cosSin = cosSin;
            this.hostKeys = hostKeys;
            this.plan = plan;
        }

        /** Whether this step attends on the host ({@link HostAttention}), and so runs {@link SwiGlu} there too where it can. */
        boolean hostKernels() {
            return hostKeys != null;
        }

        /** The step's inputs, for the layers that follow this step's choice. */
        StepInputs inputs() {
            return in;
        }
    }

    /** Chooses where this step's attention runs, from its token count, the dtype and the KV pool. */
    public Step prepare(StepInputs in, KvCache kv) {
        HostAttention.StepKeys keys = host.applies(in.numTokens, dtype, kv) ? host.keys(in.spans, kv) : null;
        boolean ropeOnHost = rope != null && (keys != null || HostRopeWrite.applies(in.numTokens, dtype, kv));
        float[] hostCosSin = ropeOnHost ? hostRope.tables(rope.rows(in)) : null;
        NDArray[] cosSin = rope != null && !ropeOnHost ? rope.gather(in) : null;
        AttentionPlan plan = keys != null ? null : AttentionPlan.build(in.spans, kv, slidingWindow, dtype, in.manager);
        return new Step(in, kv, hostCosSin, cosSin, keys, plan);
    }

    /**
     * @param qkv {@code [T, (H + 2KV) * D]} or {@code [T, H + 2KV, D]}, contiguous (a product's or a
     *     norm's output), queries pre-scaled; rotated in place
     * @return {@code [T, H * D]}
     */
    public NDArray forward(int layer, NDArray qkv, Step step) {
        if (step.hostKeys != null) {
            if (rope != null) {
                hostRope.apply(layer, qkv, step.in.hostSlots, step.hostCosSin, step.kv);
            } else {
                step.kv.write(layer, heads(qkv, step).get(step.in.manager, afterQueries), step.in.kvWrite);
            }
            return host.forward(layer, qkv, step.hostKeys, step.kv, step.in.buffers);
        }
        NDManager m = step.in.manager;
        NDArray heads = heads(qkv, step);
        if (step.hostCosSin != null) {
            hostRope.apply(layer, heads, step.in.hostSlots, step.hostCosSin, step.kv);
        } else {
            if (rope != null) {
                rope.applyInPlace(heads.get(m, queriesAndKeys), step.cosSin);
            }
            step.kv.write(layer, heads.get(m, afterQueries), step.in.kvWrite); // keys then values: the pool's layout
        }
        return paged.forward(layer, heads.get(m, queries), step.plan, step.kv);
    }

    /** q/k/v as {@code [T, H + 2KV, D]}: a view where it comes flat. */
    private NDArray heads(NDArray qkv, Step step) {
        return qkv.getShape().dimension() == 3 ? qkv : qkv.reshape(step.in.numTokens, heads + 2L * kvHeads, headDim);
    }

    /** Gets the Java kernel compiled before the first request (see {@link HostAttention#warmUp}). */
    public void warmUp() {
        host.warmUp();
    }
}
