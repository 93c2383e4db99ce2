package dev.ferry.engine.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.model.Attention;
import dev.ferry.engine.model.DecoderLayer;
import dev.ferry.engine.model.DecoderModel;
import dev.ferry.engine.model.DecoderStack;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.Gelu;
import dev.ferry.engine.model.LayerNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.StepInputs;
import dev.ferry.store.config.DecoderConfig;
import java.util.List;

/**
 * GPT-2: learned absolute positions, pre-LayerNorm blocks, a plain MLP with the tanh form of GELU
 * ("gelu_new"), and Conv1D weights stored {@code [in, out]}. Built by {@link Gpt2Loader}.
 */
public final class Gpt2Model extends DecoderStack<Gpt2Model.Layer> {

    record Layer(LayerNorm ln1, Linear qkv, Linear out, LayerNorm ln2, Linear fc, Linear proj)
            implements DecoderLayer {
        @Override
        public List<Linear> linears() {
            return List.of(qkv, out, fc, proj);
        }
    }

    private final Embedding tokenEmbed;     // [vocab, hidden]
    private final Embedding positionEmbed;  // [positions, hidden]
    private final LayerNorm finalNorm;
    private final Attention attention;
    private final Gelu gelu;

    Gpt2Model(DecoderConfig config, NDManager manager, DataType dtype, Embedding tokenEmbed, Embedding positionEmbed,
              Layer[] layers, LayerNorm finalNorm, Linear lmHead) {
        super(config, manager, dtype, layers, lmHead);
        this.tokenEmbed = tokenEmbed;
        this.positionEmbed = positionEmbed;
        this.finalNorm = finalNorm;
        this.attention = Attention.unrotated(config, dtype);
        this.gelu = Gelu.tanh(dtype, manager);
    }

    @Override
    public NDArray forward(StepInputs in, KvCache kv) {
        NDArray x = tokenEmbed.apply(in.tokenIds());                   // [T, hidden]
        x.addi(positionEmbed.apply(in.positions()));
        Attention.Step step = attention.prepare(in, kv);
        in.layersStart();
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDArray qkv = layer.qkv.apply(layer.ln1.apply(x), in.buffers()); // layerNorm(x) Wqkv + b: [T, 3 * heads * D]
            NDArray attn = attention.forward(l, qkv, step);            // k and v cached, attention: [T, heads * D]
            layer.out.addTo(attn, x);                                  // x += attn Wo + b
            NDArray inner = gelu.apply(layer.fc.apply(layer.ln2.apply(x), in.buffers())); // gelu(layerNorm(x) Wfc + b): [T, inter]
            layer.proj.addTo(inner, x);                                // x += inner Wproj + b
        }
        in.layersEnd(layers.length);
        NDArray logits = lmHead.apply(finalNorm.apply(in.sampledRows(x))); // layerNorm(x) Wlm, sampled rows only
        return DecoderModel.float32(logits);
    }

    /** The Java attention kernel runs only in fp32 on the CPU; compiled there before the first request. */
    @Override
    public void warmUp() {
        if (dtype == DataType.FLOAT32 && !tokenEmbed.onGpu()) {
            attention.warmUp();
        }
    }
}
