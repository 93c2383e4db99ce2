package dev.ferry.store.config;

import dev.ferry.store.safetensors.TensorDtype;

/**
 * A BERT-family encoder's shape and numerics from {@code config.json}: post-LayerNorm layers with
 * exact (erf) GELU, learned absolute positions and token types.
 *
 * @param maxPositions rows of the position table ({@code max_position_embeddings})
 * @param positionOffset the position id of the first token: 0 for BERT, {@code pad_token_id + 1} for
 *     XLM-RoBERTa, whose position ids count from after the padding index
 */
public record EncoderConfig(
        Architecture architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        int typeVocabSize,
        double normEps,
        int padTokenId,
        int positionOffset,
        TensorDtype torchDtype) {

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** The longest input, special tokens included, that the position table covers. */
    public int maxTokens() {
        return maxPositions - positionOffset;
    }
}
