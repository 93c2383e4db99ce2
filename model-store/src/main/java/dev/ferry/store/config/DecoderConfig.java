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
 * @param qkNorm queries and keys pass a per-head RMSNorm over head_dim before RoPE (Qwen3, Gemma 3)
 * @param attentionScalar scores are scaled by {@code attentionScalar^-0.5}: head_dim, or Gemma 3's
 *     query_pre_attn_scalar
 * @param rotaryDim the leading dims of each head that RoPE turns (Phi-3's partial_rotary_factor); the
 *     rest pass through
 * @param slidingLayers which layers attend within {@link #slidingWindow}; empty when all do (Mistral,
 *     Phi-3)
 * @param localRopeTheta the RoPE base of sliding layers, unscaled (Gemma 3's rope_local_base_freq); 0
 *     when every layer uses {@link #ropeTheta} and {@link #ropeScaling}
 * @param finalLogitSoftcap logits become {@code cap * tanh(logits / cap)}; null for none
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
        TensorDtype torchDtype,
        boolean qkNorm,
        double attentionScalar,
        int rotaryDim,
        List<Boolean> slidingLayers,
        double localRopeTheta,
        Double finalLogitSoftcap) {

    /** Query heads that share one key/value head (grouped-query attention). */
    public int queriesPerKv() {
        return numHeads / numKvHeads;
    }

    /** The window a layer attends within, or null when it sees the whole context. */
    public Integer windowOf(int layer) {
        return slidingLayers.isEmpty() || slidingLayers.get(layer) ? slidingWindow : null;
    }

    /** Whether some layers attend within a window and others see the whole context (Gemma 3). */
    public boolean mixesLayerTypes() {
        return slidingWindow != null && slidingLayers.contains(true) && slidingLayers.contains(false);
    }

    /** The computations in use beyond a plain Llama block, named for people ({@code ferry model inspect}). */
    public List<String> features() {
        List<String> f = new java.util.ArrayList<>();
        if (qkNorm) {
            f.add("q/k norm");
        }
        if (slidingWindow != null) {
            long sliding = slidingLayers.isEmpty() ? numLayers : slidingLayers.stream().filter(b -> b).count();
            f.add("sliding window " + slidingWindow + " on " + sliding + " of " + numLayers + " layers");
        }
        if (localRopeTheta > 0) {
            f.add("local rope base " + localRopeTheta);
        }
        if (ropeScaling != null) {
            f.add(switch (ropeScaling.type()) {
                case LINEAR -> "linear rope scaling " + ropeScaling.factor();
                case LLAMA3 -> "llama3 rope scaling";
                case LONGROPE -> "longrope (long factors past " + ropeScaling.originalMaxPositions() + " tokens)";
            });
        }
        if (rotaryDim != headDim) {
            f.add("partial rotary " + rotaryDim + "/" + headDim);
        }
        if (finalLogitSoftcap != null) {
            f.add("final logit softcap " + finalLogitSoftcap);
        }
        return f;
    }

    /** Bytes of K and V cache one token occupies across all layers at the given element size. */
    public long kvBytesPerToken(int elementBytes) {
        return 2L * numLayers * numKvHeads * headDim * elementBytes;
    }
}
