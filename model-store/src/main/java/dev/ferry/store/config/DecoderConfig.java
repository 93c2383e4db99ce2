package dev.ferry.store.config;

import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;

/**
 * A decoder-only model's shape and numerics, normalised from Hugging Face's per-architecture
 * {@code config.json} keys (GPT-2's {@code n_embd} and Llama's {@code hidden_size} both become
 * {@link #hiddenSize}).
 *
 * @param ropeScaling null when positions are not scaled
 * @param slidingWindow null when every earlier token is visible (Mistral may set a window)
 * @param qkvBias q/k/v projections carry biases (Qwen2; Llama with attention_bias)
 * @param outputBias the attention output projection carries a bias (Llama with attention_bias)
 * @param attentionScaleByLayer GPT-2's scale_attn_by_inverse_layer_idx
 */
public record DecoderConfig(
        Architecture architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double normEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        Integer slidingWindow,
        Activation activation,
        boolean attentionScaleByLayer,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        TensorDtype torchDtype) {

    /** Query heads that share one key/value head (grouped-query attention). */
    public int queriesPerKv() {
        return numHeads / numKvHeads;
    }

    /** Bytes of K and V cache one token occupies across all layers at the given element size. */
    public long kvBytesPerToken(int elementBytes) {
        return 2L * numLayers * numKvHeads * headDim * elementBytes;
    }
}
