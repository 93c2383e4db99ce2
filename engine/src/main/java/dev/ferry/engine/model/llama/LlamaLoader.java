package dev.ferry.engine.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.HeadNorm;
import dev.ferry.engine.model.HostTensor;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.RmsNorm;
import dev.ferry.engine.model.RopeTables;
import dev.ferry.engine.model.WeightReader;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.config.DecoderConfig;

/**
 * Builds a {@link LlamaModel} from Hugging Face tensor names. Three rewrites save ops in every
 * step without changing the function: q/k/v and gate/up are fused into single matrices (Phi-3
 * stores them fused already); each RMSNorm's weight is folded into the columns of the matrix it
 * feeds ({@code (x̂ ⊙ w) Wᵀ = x̂ (W diag w)ᵀ}); and the attention scale {@code 1/sqrt(headDim)} is
 * folded into the query rows, or, where queries are normed per head (Qwen3), into the query norm.
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    public static LlamaModel load(ModelFolder folder, NDManager manager, Precision precision, int maxPositions) {
        DecoderConfig c = folder.config();
        WeightReader r = new WeightReader(folder, manager, precision);
        DataType dtype = precision.activations();
        NDArray embed = r.loadMatrix("model.embed_tokens.weight");
        LlamaModel.Layer[] layers = new LlamaModel.Layer[c.numLayers()];
        long qRows = (long) c.numHeads() * c.headDim();
        double scale = 1.0 / Math.sqrt(c.attentionScalar());
        double rowScale = c.qkNorm() ? 1 : scale;
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            NDArray qkvW = r.uploadMatrix(qkv(r, c, a).scaleRows(0, qRows, rowScale)
                    .scaleColumnsBy(r.host(p + "input_layernorm.weight")));
            NDArray qkvB = !c.qkvBias() ? null : r.upload(r.hostRows(a + "q_proj.bias", a + "k_proj.bias",
                    a + "v_proj.bias").scaleRows(0, qRows, rowScale));
            NDArray outB = c.outputBias() ? r.load(a + "o_proj.bias") : null;
            NDArray gateUp = r.uploadMatrix(gateUp(r, c, p).scaleColumnsBy(r.host(p + "post_attention_layernorm.weight")));
            layers[i] = new LlamaModel.Layer(
                    new RmsNorm(null, c.normEps(), dtype, manager),
                    Linear.fromOutIn(qkvW, qkvB, precision),
                    c.qkNorm() ? HeadNorm.load(r, a, c, scale, 0, dtype, manager) : null,
                    Linear.fromOutIn(r.loadMatrix(a + "o_proj.weight"), outB, precision),
                    new RmsNorm(null, c.normEps(), dtype, manager),
                    Linear.fromOutIn(gateUp, null, precision),
                    Linear.fromOutIn(r.loadMatrix(p + "mlp.down_proj.weight"), null, precision));
        }
        // A tied head shares the embedding table, so its norm keeps its own weight.
        RmsNorm finalNorm = new RmsNorm(c.tieWordEmbeddings() ? r.load("model.norm.weight") : null, c.normEps(), dtype, manager);
        Linear lmHead = c.tieWordEmbeddings() ? Linear.sharing(embed, precision)
                : Linear.fromOutIn(r.uploadMatrix(r.host("lm_head.weight").scaleColumnsBy(r.host("model.norm.weight"))),
                        null, precision);
        return new LlamaModel(c, manager, dtype, new Embedding(embed, dtype), layers, finalNorm, lmHead,
                new RopeTables(c, maxPositions, dtype, manager));
    }

    /** The rows of q, k and v, in that order: Phi-3's {@code qkv_proj} holds them so already. */
    private static HostTensor qkv(WeightReader r, DecoderConfig c, String attention) {
        if (c.architecture() == Architecture.PHI3) {
            return r.host(attention + "qkv_proj.weight");
        }
        return r.hostRows(attention + "q_proj.weight", attention + "k_proj.weight", attention + "v_proj.weight");
    }

    /** The rows of gate then up: Phi-3's {@code gate_up_proj} holds them so already. */
    private static HostTensor gateUp(WeightReader r, DecoderConfig c, String layer) {
        if (c.architecture() == Architecture.PHI3) {
            return r.host(layer + "mlp.gate_up_proj.weight");
        }
        return r.hostRows(layer + "mlp.gate_proj.weight", layer + "mlp.up_proj.weight");
    }
}
