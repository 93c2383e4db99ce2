package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.store.config.DecoderConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama, Mistral and Qwen2 (they differ only in config switches: GQA, rope scaling, QKV bias,
 * sliding window, tied embeddings), written in the order of the paper. Weights are built by
 * {@link LlamaLoader}; q/k/v and gate/up are fused so each runs as one matrix product over all
 * tokens of the step.
 */
public final class LlamaModel implements DecoderModel {

    record Layer(RmsNorm inputNorm, Linear qkv, Linear out, RmsNorm postNorm, Linear gateUp, Linear down) {}

    private final DecoderConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final NDArray embedTokens;  // [vocab, hidden]
    private final Layer[] layers;
    private final RmsNorm finalNorm;
    private final Linear lmHead;
    private final RopeTables rope;
    private final PagedAttention attention;
    private final HostRopeWrite hostRope;
    private final HostAttention hostAttention;
    private final SwiGluKernel swiGlu;
    private final NDIndex qkHeads;
    private final NDIndex vHeads;
    private final NDIndex qHeads;
    private final NDIndex kHeads;
    private final NDIndex gateSlice;
    private final NDIndex upSlice;

    LlamaModel(DecoderConfig config, NDManager manager, DataType dtype, NDArray embedTokens, Layer[] layers,
               RmsNorm finalNorm, Linear lmHead, RopeTables rope) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = rope;
        int h = config.numHeads();
        int kv = config.numKvHeads();
        int d = config.headDim();
        int inter = config.intermediateSize();
        this.attention = new PagedAttention(h, kv, d);
        this.hostRope = new HostRopeWrite(rope, h, kv, d);
        this.hostAttention = new HostAttention(h, kv, d, config.slidingWindow());
        this.swiGlu = VectorApi.available() ? new SwiGluKernel(inter) : null;
        qkHeads = new NDIndex(":, :" + (h + kv));
        vHeads = new NDIndex(":, " + (h + kv) + ":");
        qHeads = new NDIndex(":, :" + h);
        kHeads = new NDIndex(":, " + h + ":");
        gateSlice = new NDIndex(":, :" + inter);
        upSlice = new NDIndex(":, " + inter + ":");
    }

    @Override
    public NDArray forward(StepInputs in, KvCache kv) {
        int t = in.numTokens;
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        int d = config.headDim();
        NDArray x = JniUtils.embedding((PtNDArray) in.tokenIds, (PtNDArray) embedTokens, false); // [T, hidden]
        if (x.getDataType() != dtype) {
            x = x.toType(dtype, false); // fp16 table, fp32 activations
        }
        boolean onHost = HostRopeWrite.applies(t, dtype, kv);
        float[][][] hostCosSin = onHost ? hostRope.tables(in.hostPositions) : null;
        NDArray[] cosSin = onHost ? null : rope.gather(in.positions);
        boolean hostKernels = HostAttention.applies(t, dtype, kv); // attention and the MLP activation in Java
        HostAttention.StepKeys keys = hostKernels ? hostAttention.keys(in.spans, kv) : null;
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDArray qkv = layer.qkv.apply(x, layer.inputNorm).reshape(t, h + 2L * kvh, d); // [T, H + 2KV, D]
            NDArray attn;  // [T, H * D]
            if (onHost) {
                hostRope.apply(l, qkv, in.hostSlots, hostCosSin, kv);
                attn = hostKernels ? hostAttention.forward(l, qkv, keys, kv, in.manager)
                        : attention.forward(l, qkv.get(in.manager, qHeads), in.attention, kv);
            } else {
                NDArray qk = rope.apply(qkv.get(in.manager, qkHeads), cosSin);  // [T, H + KV, D]
                kv.write(l, qk.get(in.manager, kHeads).concat(qkv.get(in.manager, vHeads), 1), in.kvWrite);
                attn = attention.forward(l, qk.get(in.manager, qHeads), in.attention, kv);
            }
            layer.out.addTo(attn, x);
            NDArray gateUp = layer.gateUp.apply(x, layer.postNorm);        // [T, 2 * inter]
            NDArray act;
            if (hostKernels) {
                act = swiGlu.apply(gateUp, t, in.manager);
            } else {
                NDArray gate = gateUp.get(in.manager, gateSlice);
                act = gate.getNDArrayInternal().sigmoid().muli(gate).muli(gateUp.get(in.manager, upSlice));
            }
            layer.down.addTo(act, x);
        }
        NDArray last = in.sampledRows(x);
        NDArray logits = lmHead.apply(last, finalNorm);
        return DecoderModel.float32(logits);
    }

    @Override
    public void warmUp() {
        if (dtype == DataType.FLOAT32 && !embedTokens.getDevice().isGpu() && VectorApi.available()) {
            hostAttention.warmUp();
            swiGlu.warmUp();
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
        return config.slidingWindow();
    }

    @Override
    public List<Linear> linears() {
        List<Linear> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(l.qkv);
            out.add(l.out);
            out.add(l.gateUp);
            out.add(l.down);
        }
        out.add(lmHead);
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
