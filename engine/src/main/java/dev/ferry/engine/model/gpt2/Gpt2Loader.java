package dev.ferry.engine.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.LayerNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.WeightReader;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;

/**
 * Builds a {@link Gpt2Model} from Hugging Face tensor names. Conv1D weights stay in their
 * {@code [in, out]} layout; the attention scale (and GPT-2's optional 1/(layer+1)) is folded into
 * the query columns of {@code c_attn}.
 */
public final class Gpt2Loader {
    private Gpt2Loader() {}

    public static Gpt2Model load(ModelFolder folder, NDManager manager, Precision precision) {
        DecoderConfig c = folder.config();
        WeightReader r = new WeightReader(folder, manager, precision);
        DataType dtype = precision.activations();
        NDArray wte = r.loadMatrix("transformer.wte.weight");
        long hidden = c.hiddenSize();
        double eps = c.normEps();
        Gpt2Model.Layer[] layers = new Gpt2Model.Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "transformer.h." + i + ".";
            double scale = 1.0 / Math.sqrt(c.headDim()) / (c.attentionScaleByLayer() ? i + 1 : 1);
            NDArray qkvW = r.uploadMatrix(r.host(p + "attn.c_attn.weight").scaleColumns(0, hidden, scale));
            NDArray qkvB = r.upload(r.host(p + "attn.c_attn.bias").scaleRows(0, hidden, scale));
            layers[i] = new Gpt2Model.Layer(
                    new LayerNorm(r.load(p + "ln_1.weight"), r.load(p + "ln_1.bias"), eps),
                    Linear.fromInOut(qkvW, qkvB, precision),
                    Linear.fromInOut(r.loadMatrix(p + "attn.c_proj.weight"), r.load(p + "attn.c_proj.bias"), precision),
                    new LayerNorm(r.load(p + "ln_2.weight"), r.load(p + "ln_2.bias"), eps),
                    Linear.fromInOut(r.loadMatrix(p + "mlp.c_fc.weight"), r.load(p + "mlp.c_fc.bias"), precision),
                    Linear.fromInOut(r.loadMatrix(p + "mlp.c_proj.weight"), r.load(p + "mlp.c_proj.bias"), precision));
        }
        Linear lmHead = c.tieWordEmbeddings() ? Linear.sharing(wte, precision) : Linear.fromOutIn(r.loadMatrix("lm_head.weight"), null, precision);
        Embedding positions = new Embedding(r.load("transformer.wpe.weight"), dtype);
        return new Gpt2Model(c, manager, dtype, new Embedding(wte, dtype), positions, layers,
                new LayerNorm(r.load("transformer.ln_f.weight"), r.load("transformer.ln_f.bias"), eps), lmHead);
    }
}
