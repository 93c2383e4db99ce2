package dev.ferry.engine.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.ferry.engine.model.Embedding;
import dev.ferry.engine.model.Gelu;
import dev.ferry.engine.model.LayerNorm;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.PackedBatch;
import dev.ferry.engine.model.cpu.PackedAttention;
import dev.ferry.store.config.EncoderConfig;

/**
 * A BERT-family encoder (BERT, XLM-RoBERTa): word + position + token-type(0) embeddings and a
 * LayerNorm, then post-LN layers of bidirectional self-attention over each input's own tokens and
 * an exact-GELU MLP. One forward runs a whole {@link PackedBatch}: every dense layer is one product
 * over the real tokens of all inputs, with no padding, and each input attends to its own rows only,
 * so an input's vector is the same whatever shares its batch: on the CPU in one native call per
 * layer ({@link PackedAttention}), elsewhere input by input in libtorch ops. Built by {@link BertLoader}.
 */
public final class BertEncoder {

    record Layer(Linear qkv, Linear attentionOut, LayerNorm attentionNorm, Linear intermediate, Linear output,
                 LayerNorm outputNorm) {
    }

    private final EncoderConfig config;
    private final Embedding words;
    private final Embedding positions;
    private final NDArray tokenType0;    // [hidden]: every token's type is 0
    private final LayerNorm embeddingNorm;
    private final Layer[] layers;
    private final Gelu gelu = Gelu.exact();
    private final NDIndex queries;
    private final NDIndex keys;
    private final NDIndex values;

    BertEncoder(EncoderConfig config, Embedding words, Embedding positions, NDArray tokenType0,
                LayerNorm embeddingNorm, Layer[] layers) {
        this.config = config;
        this.words = words;
        this.positions = positions;
        this.tokenType0 = tokenType0;
        this.embeddingNorm = embeddingNorm;
        this.layers = layers;
        int heads = config.numHeads();
        this.queries = new NDIndex("0:{}", heads);
        this.keys = new NDIndex("{}:{}", heads, 2 * heads);
        this.values = new NDIndex("{}:", 2 * heads);
    }

    /** The last layer's hidden states {@code [tokens, hidden]}, packed as the batch is, in the activation dtype, owned by {@code step}. */
    public NDArray forward(PackedBatch batch, NDManager step) {
        NDArray x = words.apply(step.create(batch.ids()));
        x.addi(positions.apply(step.create(batch.positions(config.positionOffset()))));
        x.addi(tokenType0);
        x = embeddingNorm.apply(x);
        for (Layer layer : layers) {
            NDArray qkv = layer.qkv.apply(x);                            // [tokens, 3 * hidden], q pre-scaled
            layer.attentionOut.addTo(attention(qkv, batch), x);          // x += context Wo + b
            x = layer.attentionNorm.apply(x);
            NDArray inner = gelu.apply(layer.intermediate.apply(x));     // [tokens, intermediate]
            layer.output.addTo(inner, x);                                // x += inner Wout + b
            x = layer.outputNorm.apply(x);
        }
        return x;
    }

    /** Each input's tokens attending to its own tokens only: the context {@code [tokens, hidden]}. */
    private NDArray attention(NDArray qkv, PackedBatch batch) {
        if (PackedAttention.applies(qkv)) {
            return PackedAttention.apply(qkv, batch.starts(), batch.lengths(), config.numHeads(), config.headDim());
        }
        long hidden = config.hiddenSize();
        NDList contexts = new NDList(batch.rows());
        for (int r = 0; r < batch.rows(); r++) {
            long n = batch.lengths()[r];
            NDIndex rows = new NDIndex().addSliceDim(batch.starts()[r], batch.starts()[r] + n);
            NDArray own = qkv.get(rows).reshape(n, 3L * config.numHeads(), config.headDim())
                    .transpose(1, 0, 2);                                  // [3 * heads, n, D]
            NDArray scores = own.get(queries).matMul(own.get(keys).transpose(0, 2, 1)); // [heads, n, n]
            contexts.add(scores.softmax(-1).matMul(own.get(values))  // [heads, n, D]
                    .transpose(1, 0, 2).reshape(n, hidden));
        }
        return contexts.size() == 1 ? contexts.head() : NDArrays.concat(contexts);
    }

    public EncoderConfig config() {
        return config;
    }
}
