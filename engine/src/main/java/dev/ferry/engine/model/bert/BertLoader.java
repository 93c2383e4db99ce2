package dev.ferry.engine.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.LayerNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.WeightReader;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.EncoderConfig;

/**
 * Builds a {@link BertEncoder} from Hugging Face tensor names (BertModel's, which XLM-RoBERTa
 * shares). Query, key and value become one fused projection with the attention scale
 * {@code 1/sqrt(headDim)} folded into the query rows; the token-type table is reduced to its row 0.
 */
public final class BertLoader {
    private BertLoader() {}

    public static BertEncoder load(ModelFolder folder, NDManager manager, Precision precision) {
        EncoderConfig c = folder.encoderConfig();
        WeightReader r = new WeightReader(folder, manager, precision);
        DataType dtype = precision.activations();
        double eps = c.normEps();
        long hidden = c.hiddenSize();
        double scale = 1.0 / Math.sqrt(c.headDim());
        BertEncoder.Layer[] layers = new BertEncoder.Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "encoder.layer." + i + ".";
            String a = p + "attention.self.";
            NDArray qkvW = r.uploadMatrix(r.hostRows(a + "query.weight", a + "key.weight", a + "value.weight")
                    .scaleRows(0, hidden, scale));
            NDArray qkvB = r.upload(r.hostRows(a + "query.bias", a + "key.bias", a + "value.bias")
                    .scaleRows(0, hidden, scale));
            layers[i] = new BertEncoder.Layer(
                    Linear.fromOutIn(qkvW, qkvB, precision),
                    dense(r, p + "attention.output.dense", precision),
                    norm(r, p + "attention.output.LayerNorm", eps),
                    dense(r, p + "intermediate.dense", precision),
                    dense(r, p + "output.dense", precision),
                    norm(r, p + "output.LayerNorm", eps));
        }
        NDArray tokenType0 = r.load("embeddings.token_type_embeddings.weight").get(0); // the table stays: a view
        return new BertEncoder(c, new Embedding(r.load("embeddings.word_embeddings.weight"), dtype),
                new Embedding(r.load("embeddings.position_embeddings.weight"), dtype), tokenType0, norm(r, "embeddings.LayerNorm", eps),
                layers);
    }

    private static Linear dense(WeightReader r, String name, Precision precision) {
        return Linear.fromOutIn(r.loadMatrix(name + ".weight"), r.load(name + ".bias"), precision);
    }

    private static LayerNorm norm(WeightReader r, String name, double eps) {
        return new LayerNorm(r.load(name + ".weight"), r.load(name + ".bias"), eps);
    }
}
