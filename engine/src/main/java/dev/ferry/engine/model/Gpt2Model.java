package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.store.config.DecoderConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2: learned absolute positions, pre-LayerNorm blocks, a plain MLP with the tanh form of GELU
 * ("gelu_new"), and Conv1D weights stored {@code [in, out]}. Built by {@link Gpt2Loader}.
 */
public final class Gpt2Model implements DecoderModel {

    record Layer(LayerNorm ln1, Linear qkv, Linear out, LayerNorm ln2, Linear fc, Linear proj) {}

    private final DecoderConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final NDArray tokenEmbed;     // [vocab, hidden]
    private final NDArray positionEmbed;  // [positions, hidden]
    private final Layer[] layers;
    private final LayerNorm finalNorm;
    private final Linear lmHead;
    private final PagedAttention attention;
    private final HostAttention hostAttention;
    private final NDIndex qHeads;
    private final NDIndex kvHeads;
    private final NDArray geluCubic;
    private final NDArray geluScale;
    private final NDArray one;
    private final NDArray half;

    Gpt2Model(DecoderConfig config, NDManager manager, DataType dtype, NDArray tokenEmbed, NDArray positionEmbed,
              Layer[] layers, LayerNorm finalNorm, Linear lmHead) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.tokenEmbed = tokenEmbed;
        this.positionEmbed = positionEmbed;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.attention = new PagedAttention(config.numHeads(), config.numKvHeads(), config.headDim());
        this.hostAttention = new HostAttention(config.numHeads(), config.numKvHeads(), config.headDim(), null);
        qHeads = new NDIndex(":, :" + config.numHeads());
        kvHeads = new NDIndex(":, " + config.numHeads() + ":");
        geluCubic = manager.full(new Shape(), 0.044715f, dtype);
        geluScale = manager.full(new Shape(), (float) Math.sqrt(2 / Math.PI), dtype);
        one = manager.full(new Shape(), 1f, dtype);
        half = manager.full(new Shape(), 0.5f, dtype);
    }

    @Override
    public NDArray forward(StepInputs in, KvCache kv) {
        int t = in.numTokens;
        int heads = config.numHeads();
        int d = config.headDim();
        NDArray x = JniUtils.embedding((PtNDArray) in.tokenIds, (PtNDArray) tokenEmbed, false);
        if (x.getDataType() != dtype) {
            x = x.toType(dtype, false); // fp16 table, fp32 activations
        }
        x.addi(JniUtils.embedding((PtNDArray) in.positions, (PtNDArray) positionEmbed, false));
        HostAttention.StepKeys keys = HostAttention.applies(t, dtype, kv) ? hostAttention.keys(in.spans, kv) : null;
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDArray qkv = layer.qkv.apply(layer.ln1.apply(x)).reshape(t, 3L * heads, d); // [T, 3 * heads, D]
            kv.write(l, qkv.get(in.manager, kvHeads), in.kvWrite);            // keys then values: the pool's layout
            NDArray attn = keys != null ? hostAttention.forward(l, qkv, keys, kv, in.manager)
                    : attention.forward(l, qkv.get(in.manager, qHeads), in.attention, kv);
            layer.out.addTo(attn, x);
            layer.proj.addTo(gelu(layer.fc.apply(layer.ln2.apply(x))), x);
        }
        NDArray last = in.sampledRows(x);
        NDArray logits = lmHead.apply(finalNorm.apply(last));
        return DecoderModel.float32(logits);
    }

    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    private NDArray gelu(NDArray x) {
        NDArray inner = x.square().muli(x).muli(geluCubic).addi(x).muli(geluScale);
        return inner.tanh().addi(one).muli(x).muli(half);
    }

    @Override
    public void warmUp() {
        if (dtype == DataType.FLOAT32 && !tokenEmbed.getDevice().isGpu()) {
            hostAttention.warmUp();
        }
    }

    @Override
    public DecoderConfig config() {
        return config;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    @Override
    public Integer slidingWindow() {
        return null;
    }

    @Override
    public List<Linear> linears() {
        List<Linear> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.qkv);
            out.add(l.out);
            out.add(l.fc);
            out.add(l.proj);
        }
        out.add(lmHead);
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
