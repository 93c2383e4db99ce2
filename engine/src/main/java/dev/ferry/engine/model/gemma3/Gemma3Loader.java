package dev.ferry.engine.model.gemma3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.Attention;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.HeadNorm;
import dev.ferry.engine.model.HostTensor;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.RmsNorm;
import dev.ferry.engine.model.RopeTables;
import dev.ferry.engine.model.WeightReader;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.safetensors.HalfFloats;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * Builds a {@link Gemma3Model} from Hugging Face tensor names. Gemma stores each norm's scale as an
 * offset from 1, so 1 is added here; the input and pre-feed-forward norms are folded into the
 * products they feed (as {@link dev.ferry.engine.model.llama.LlamaLoader} does), q/k/v and gate/up
 * are fused, and the attention scale {@code query_pre_attn_scalar^-0.5} rides on the query norm.
 */
public final class Gemma3Loader {
    private static final String EMBED = "model.embed_tokens.weight";

    private Gemma3Loader() {}

    public static Gemma3Model load(ModelFolder folder, NDManager manager, Precision precision, int maxPositions) {
        DecoderConfig c = folder.config();
        WeightReader r = new WeightReader(folder, manager, precision);
        DataType dtype = precision.activations();
        NDArray embed = r.loadMatrix(EMBED);
        double scale = 1.0 / Math.sqrt(c.attentionScalar());
        Gemma3Model.Layer[] layers = new Gemma3Model.Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            NDArray qkv = r.uploadMatrix(r.hostRows(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight")
                    .scaleColumnsBy(norm(r, p + "input_layernorm.weight")));
            NDArray gateUp = r.uploadMatrix(r.hostRows(p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight")
                    .scaleColumnsBy(norm(r, p + "pre_feedforward_layernorm.weight")));
            layers[i] = new Gemma3Model.Layer(
                    new RmsNorm(null, c.normEps(), dtype, manager),
                    Linear.fromOutIn(qkv, null, precision),
                    HeadNorm.load(r, a, c, scale, 1, dtype, manager),
                    Linear.fromOutIn(r.loadMatrix(a + "o_proj.weight"), null, precision),
                    weighted(r, p + "post_attention_layernorm.weight", c, dtype, manager),
                    new RmsNorm(null, c.normEps(), dtype, manager),
                    Linear.fromOutIn(gateUp, null, precision),
                    Linear.fromOutIn(r.loadMatrix(p + "mlp.down_proj.weight"), null, precision),
                    weighted(r, p + "post_feedforward_layernorm.weight", c, dtype, manager));
        }
        // A tied head shares the embedding table, so its norm keeps its own weight.
        RmsNorm finalNorm = c.tieWordEmbeddings() ? weighted(r, "model.norm.weight", c, dtype, manager)
                : new RmsNorm(null, c.normEps(), dtype, manager);
        Linear lmHead = c.tieWordEmbeddings() ? Linear.sharing(embed, precision)
                : Linear.fromOutIn(r.uploadMatrix(r.host("lm_head.weight").scaleColumnsBy(norm(r, "model.norm.weight"))),
                        null, precision);
        // sliding layers: the local base, unscaled; global ones: rope_theta with rope_scaling
        RopeTables localRope = new RopeTables(c.headDim(), c.rotaryDim(), c.localRopeTheta(), null, maxPositions, dtype,
                manager);
        RopeTables globalRope = new RopeTables(c, maxPositions, dtype, manager);
        NDArray embedScale = manager.full(new Shape(), embedScale(c.hiddenSize(), folder.tensor(EMBED).dtype()), dtype);
        return new Gemma3Model(c, manager, dtype, new Embedding(embed, dtype), embedScale, layers, finalNorm, lmHead,
                Attention.rotary(c, dtype, localRope, c.slidingWindow()), Attention.rotary(c, dtype, globalRope, null));
    }

    /**
     * sqrt(hidden) as transformers multiplies by it: a float32 tensor cast to the embedding's dtype
     * (sqrt(3072) is 55.5 in bf16).
     */
    static float embedScale(int hidden, TensorDtype stored) {
        float s = (float) Math.sqrt(hidden);
        return switch (stored) {
            case BF16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(s));
            case F16 -> HalfFloats.halfToFloat(HalfFloats.floatToHalf(s));
            default -> s;
        };
    }

    /** A norm's scale, 1 + w. */
    private static HostTensor norm(WeightReader r, String name) {
        return r.host(name).plus(1);
    }

    private static RmsNorm weighted(WeightReader r, String name, DecoderConfig c, DataType dtype, NDManager manager) {
        return new RmsNorm(r.upload(norm(r, name)), c.normEps(), dtype, manager);
    }
}
