package dev.ferry.engine.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.model.Attention;
import dev.ferry.engine.model.DecoderLayer;
import dev.ferry.engine.model.DecoderModel;
import dev.ferry.engine.model.DecoderStack;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.HeadNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.RmsNorm;
import dev.ferry.engine.model.RopeTables;
import dev.ferry.engine.model.StepInputs;
import dev.ferry.engine.model.SwiGlu;
import dev.ferry.store.config.DecoderConfig;
import java.util.List;

/**
 * Llama, Mistral, Qwen2, Qwen3 and Phi-3 (they differ only in config switches: GQA, rope scaling
 * including LongRoPE, partial rotary dims, QKV bias, per-head q/k norms, sliding window, tied
 * embeddings), written in the order of the paper. Weights are built by {@link LlamaLoader}; q/k/v
 * and gate/up are fused so each runs as one matrix product over all tokens of the step.
 */
public final class LlamaModel extends DecoderStack<LlamaModel.Layer> {

    /** @param qkNorm the per-head norms of q and k before RoPE (Qwen3), or null */
    record Layer(RmsNorm inputNorm, Linear qkv, HeadNorm qkNorm, Linear out, RmsNorm postNorm, Linear gateUp,
                 Linear down)
            implements DecoderLayer {
        @Override
        public List<Linear> linears() {
            return List.of(qkv, out, gateUp, down);
        }
    }

    private final Embedding embedTokens;  // [vocab, hidden]
    private final RmsNorm finalNorm;
    private final Attention attention;
    private final SwiGlu swiGlu;

    LlamaModel(DecoderConfig config, NDManager manager, DataType dtype, Embedding embedTokens, Layer[] layers,
               RmsNorm finalNorm, Linear lmHead, RopeTables rope) {
        super(config, manager, dtype, layers, lmHead);
        this.embedTokens = embedTokens;
        this.finalNorm = finalNorm;
        this.attention = Attention.rotary(config, dtype, rope);
        this.swiGlu = new SwiGlu(config.intermediateSize());
    }

    @Override
    public NDArray forward(StepInputs in, KvCache kv) {
        int t = in.numTokens();
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        int d = config.headDim();
        NDArray x = embedTokens.apply(in.tokenIds());                  // [T, hidden]
        Attention.Step step = attention.prepare(in, kv);
        in.layersStart();
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDArray qkv = layer.qkv.apply(x, layer.inputNorm, in.buffers()); // rmsNorm(x) Wqkv: [T, (H + 2KV) * D]
            if (layer.qkNorm != null) {
                qkv = layer.qkNorm.apply(qkv.reshape(t, h + 2L * kvh, d), in); // rmsNorm per head of q and k
            }
            NDArray attn = attention.forward(l, qkv, step);            // rope, k and v cached, attention: [T, H * D]
            layer.out.addTo(attn, x);                                  // x += attn Wo
            NDArray gateUp = layer.gateUp.apply(x, layer.postNorm, in.buffers()); // rmsNorm(x) [Wgate; Wup]: [T, 2 * inter]
            layer.down.addTo(swiGlu.apply(gateUp, step), x);           // x += (silu(gate) * up) Wdown
        }
        in.layersEnd(layers.length);
        NDArray logits = lmHead.apply(in.sampledRows(x), finalNorm);   // rmsNorm(x) Wlm, sampled rows only
        return DecoderModel.float32(logits);
    }

    /** The Java kernels run only in fp32 on the CPU; compiled there before the first request. */
    @Override
    public void warmUp() {
        if (dtype == DataType.FLOAT32 && !embedTokens.onGpu()) {
            attention.warmUp();
            swiGlu.warmUp();
        }
    }
}
