package dev.ferry.engine.model.gemma3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.model.Attention;
import dev.ferry.engine.model.DecoderLayer;
import dev.ferry.engine.model.DecoderModel;
import dev.ferry.engine.model.DecoderStack;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.Gelu;
import dev.ferry.engine.model.HeadNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.RmsNorm;
import dev.ferry.engine.model.StepInputs;
import dev.ferry.store.config.DecoderConfig;
import java.util.List;

/**
 * Gemma 3's text model, in the order of Hugging Face's {@code Gemma3ForCausalLM}: embeddings times
 * sqrt(hidden) (rounded to the weights' dtype), then per layer a norm before and after attention
 * and before and after the MLP (the "after" norms act on the branch output, before the residual
 * add), per-head q/k norms, a GELU-tanh gated MLP, and layers of two kinds: sliding ones attend
 * within the window with plain RoPE on the local base, global ones see the whole context with the
 * global base and scaling. Every norm scales by (1 + w); {@link Gemma3Loader} adds the 1 at load.
 */
public final class Gemma3Model extends DecoderStack<Gemma3Model.Layer> {

    /**
     * @param postAttentionNorm and {@code postFeedForwardNorm} keep their weights: they act on
     *     products' outputs; the other two are folded into the products they feed
     */
    record Layer(RmsNorm inputNorm, Linear qkv, HeadNorm qkNorm, Linear out, RmsNorm postAttentionNorm,
                 RmsNorm preFeedForwardNorm, Linear gateUp, Linear down, RmsNorm postFeedForwardNorm)
            implements DecoderLayer {
        @Override
        public List<Linear> linears() {
            return List.of(qkv, out, gateUp, down);
        }
    }

    private final Embedding embedTokens;  // [vocab, hidden]
    private final NDArray embedScale;     // sqrt(hidden) as the weights' dtype holds it
    private final RmsNorm finalNorm;
    private final Attention local;
    private final Attention global;
    private final Gelu gelu;
    private final NDIndex gates;
    private final NDIndex ups;
    private final NDArray softcap;        // null when logits are not capped

    Gemma3Model(DecoderConfig config, NDManager manager, DataType dtype, Embedding embedTokens, NDArray embedScale,
                Layer[] layers, RmsNorm finalNorm, Linear lmHead, Attention local, Attention global) {
        super(config, manager, dtype, layers, lmHead);
        this.embedTokens = embedTokens;
        this.embedScale = embedScale;
        this.finalNorm = finalNorm;
        this.local = local;
        this.global = global;
        this.gelu = Gelu.tanh(dtype, manager);
        int inter = config.intermediateSize();
        gates = new NDIndex(":, :" + inter);
        ups = new NDIndex(":, " + inter + ":");
        softcap = config.finalLogitSoftcap() == null ? null
                : manager.full(new Shape(), config.finalLogitSoftcap().floatValue(), DataType.FLOAT32);
    }

    @Override
    public NDArray forward(StepInputs in, KvCache kv) {
        int t = in.numTokens();
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        int d = config.headDim();
        NDArray x = embedTokens.apply(in.tokenIds()).muli(embedScale);    // [T, hidden]
        Attention.Step localStep = local.prepare(in, kv);
        Attention.Step globalStep = global.prepare(in, kv);
        in.layersStart();
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            boolean sliding = config.windowOf(l) != null;
            NDArray qkv = layer.qkv.apply(x, layer.inputNorm)             // rmsNorm(x) Wqkv
                    .reshape(t, h + 2L * kvh, d);                         // [T, H + 2KV, D]
            qkv = layer.qkNorm.apply(qkv, in);                            // rmsNorm per head of q and k
            NDArray attn = sliding ? local.forward(l, qkv, localStep)     // rope, k and v cached, attention
                    : global.forward(l, qkv, globalStep);                 // [T, H * D]
            x.addi(layer.postAttentionNorm.apply(layer.out.apply(attn)));  // x += rmsNorm(attn Wo)
            NDArray gateUp = layer.gateUp.apply(x, layer.preFeedForwardNorm); // rmsNorm(x) [Wgate; Wup]
            NDArray mlp = gelu.apply(gateUp.get(gates)).muli(gateUp.get(ups)); // gelu_tanh(gate) * up
            x.addi(layer.postFeedForwardNorm.apply(layer.down.apply(mlp)));     // x += rmsNorm(mlp Wdown)
        }
        in.layersEnd(layers.length);
        NDArray logits = DecoderModel.float32(lmHead.apply(in.sampledRows(x), finalNorm));
        return softcap == null ? logits : logits.divi(softcap).tanh().muli(softcap); // cap * tanh(logits / cap)
    }

    /** The Java attention kernel runs only in fp32 on the CPU; compiled there before the first request. */
    @Override
    public void warmUp() {
        if (dtype == DataType.FLOAT32 && !embedTokens.onGpu()) {
            local.warmUp();
            global.warmUp();
        }
    }
}
