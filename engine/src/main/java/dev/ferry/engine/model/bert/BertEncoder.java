package dev.ferry.engine.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.Gelu;
import dev.ferry.engine.model.LayerNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.PaddedBatch;
import dev.ferry.store.config.EncoderConfig;

/**
 * A BERT-family encoder (BERT, XLM-RoBERTa): word + position + token-type(0) embeddings and a
 * LayerNorm, then post-LN layers of bidirectional self-attention over each input's own tokens and
 * an exact-GELU MLP. One forward runs a whole right-padded batch: every dense layer is one product
 * over all {@code rows * width} token slots, attention one batched product per layer with padding
 * masked out. Built by {@link BertLoader}.
 */
public final class BertEncoder {

    record Layer(Linear qkv, Linear attentionOut, LayerNorm attentionNorm, Linear intermediate, Linear output,
                 LayerNorm outputNorm) {
    }

    private final EncoderConfig config;
    private final DataType dtype;
    private final Embedding words;
    private final NDArray positions;     // [maxPositions, hidden]
    private final NDArray tokenType0;    // [hidden]: every token's type is 0
    private final LayerNorm embeddingNorm;
    private final Layer[] layers;
    private final Gelu gelu = Gelu.exact();
    private final NDIndex queries;
    private final NDIndex keys;
    private final NDIndex values;

    BertEncoder(EncoderConfig config, DataType dtype, Embedding words, NDArray positions, NDArray tokenType0,
                LayerNorm embeddingNorm, Layer[] layers) {
        this.config = config;
        this.dtype = dtype;
        this.words = words;
        this.positions = positions;
        this.tokenType0 = tokenType0;
        this.embeddingNorm = embeddingNorm;
        this.layers = layers;
        int heads = config.numHeads();
        this.queries = new NDIndex(":, 0:{}", heads);
        this.keys = new NDIndex(":, {}:{}", heads, 2 * heads);
        this.values = new NDIndex(":, {}:", 2 * heads);
    }

    /** The last layer's hidden states {@code [rows, width, hidden]} in the activation dtype, owned by {@code step}. */
    public NDArray forward(PaddedBatch batch, NDManager step) {
        int rows = batch.rows();
        int width = batch.width();
        long hidden = config.hiddenSize();
        int heads = config.numHeads();
        NDArray ids = step.create(batch.ids());
        NDArray x = words.apply(ids).reshape(rows, width, hidden);
        // right padding: every row's positions are offset .. offset + width - 1
        x.addi(positions.get(step, new NDIndex("{}:{}", config.positionOffset(), config.positionOffset() + width)));
        x.addi(tokenType0);
        x = embeddingNorm.apply(x).reshape((long) rows * width, hidden);
        NDArray keyMask = batch.padded()
                ? step.create(batch.slotMask(0f, Float.NEGATIVE_INFINITY), new Shape(rows, 1, 1, width)).toType(dtype, false)
                : null;
        for (Layer layer : layers) {
            NDArray qkv = layer.qkv.apply(x)                            // [rows * width, 3 * hidden], q pre-scaled
                    .reshape(rows, width, 3L * heads, config.headDim())
                    .transpose(0, 2, 1, 3);                              // [rows, 3 * heads, width, D]
            NDArray scores = qkv.get(queries).matMul(qkv.get(keys).transpose(0, 1, 3, 2)); // [rows, heads, width, width]
            if (keyMask != null) {
                scores.addi(keyMask);                                    // padding keys get no weight
            }
            NDArray context = scores.softmax(-1).matMul(qkv.get(values)) // [rows, heads, width, D]
                    .transpose(0, 2, 1, 3).reshape((long) rows * width, hidden);
            layer.attentionOut.addTo(context, x);                        // x += context Wo + b
            x = layer.attentionNorm.apply(x);
            NDArray inner = gelu.apply(layer.intermediate.apply(x));     // [rows * width, intermediate]
            layer.output.addTo(inner, x);                                // x += inner Wout + b
            x = layer.outputNorm.apply(x);
        }
        return x.reshape(rows, width, hidden);
    }

    public EncoderConfig config() {
        return config;
    }
}
