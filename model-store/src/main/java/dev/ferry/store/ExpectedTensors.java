package dev.ferry.store;

import dev.ferry.store.config.Architecture;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.EncoderConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a checkpoint of a given config must hold, by their Hugging Face names, with the shape
 * the config implies. Loading checks checkpoints against this table; the dummy-weight writer
 * produces exactly it.
 */
public final class ExpectedTensors {

    /** How a tensor is initialised by the dummy writer (and what it is, for humans). */
    public enum Kind { WEIGHT, NORM, BIAS }

    public record Spec(long[] shape, Kind kind) {}

    private ExpectedTensors() {}

    public static Map<String, Spec> of(DecoderConfig c) {
        return c.architecture() == Architecture.GPT2 ? gpt2(c) : llama(c);
    }

    /**
     * A BERT-family encoder's tensors, unprefixed as {@code BertModel} and sentence-transformers save
     * them (a task-head checkpoint adds {@link dev.ferry.store.config.Architecture#checkpointPrefix}).
     * The pooler is not listed: sentence embeddings never use it.
     */
    public static Map<String, Spec> of(EncoderConfig c) {
        long h = c.hiddenSize();
        long inter = c.intermediateSize();
        Map<String, Spec> s = new LinkedHashMap<>();
        put(s, "embeddings.word_embeddings.weight", Kind.WEIGHT, c.vocabSize(), h);
        put(s, "embeddings.position_embeddings.weight", Kind.WEIGHT, c.maxPositions(), h);
        put(s, "embeddings.token_type_embeddings.weight", Kind.WEIGHT, c.typeVocabSize(), h);
        layerNorm(s, "embeddings.LayerNorm", h);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String proj : new String[] {"query", "key", "value"}) {
                dense(s, p + "attention.self." + proj, h, h);
            }
            dense(s, p + "attention.output.dense", h, h);
            layerNorm(s, p + "attention.output.LayerNorm", h);
            dense(s, p + "intermediate.dense", h, inter);
            dense(s, p + "output.dense", inter, h);
            layerNorm(s, p + "output.LayerNorm", h);
        }
        return s;
    }

    /** nn.Linear: weight {@code [out, in]} and bias. */
    private static void dense(Map<String, Spec> s, String name, long in, long out) {
        put(s, name + ".weight", Kind.WEIGHT, out, in);
        put(s, name + ".bias", Kind.BIAS, out);
    }

    private static void layerNorm(Map<String, Spec> s, String name, long h) {
        put(s, name + ".weight", Kind.NORM, h);
        put(s, name + ".bias", Kind.BIAS, h);
    }

    /** Llama and the families written like it: Mistral, Qwen2/3, Phi-3 (fused projections), Gemma 3. */
    private static Map<String, Spec> llama(DecoderConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        boolean phi3 = c.architecture() == Architecture.PHI3;         // fused q/k/v and gate/up
        boolean gemma = c.architecture() == Architecture.GEMMA3;      // norms after attention and MLP too
        Map<String, Spec> s = new LinkedHashMap<>();
        put(s, "model.embed_tokens.weight", Kind.WEIGHT, c.vocabSize(), h);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            put(s, p + "input_layernorm.weight", Kind.NORM, h);
            put(s, p + "post_attention_layernorm.weight", Kind.NORM, h);
            if (gemma) {
                put(s, p + "pre_feedforward_layernorm.weight", Kind.NORM, h);
                put(s, p + "post_feedforward_layernorm.weight", Kind.NORM, h);
            }
            if (c.qkNorm()) {
                put(s, p + "self_attn.q_norm.weight", Kind.NORM, c.headDim());
                put(s, p + "self_attn.k_norm.weight", Kind.NORM, c.headDim());
            }
            if (phi3) {
                put(s, p + "self_attn.qkv_proj.weight", Kind.WEIGHT, q + 2 * kv, h);
            } else {
                put(s, p + "self_attn.q_proj.weight", Kind.WEIGHT, q, h);
                put(s, p + "self_attn.k_proj.weight", Kind.WEIGHT, kv, h);
                put(s, p + "self_attn.v_proj.weight", Kind.WEIGHT, kv, h);
            }
            if (c.qkvBias()) {
                put(s, p + "self_attn.q_proj.bias", Kind.BIAS, q);
                put(s, p + "self_attn.k_proj.bias", Kind.BIAS, kv);
                put(s, p + "self_attn.v_proj.bias", Kind.BIAS, kv);
            }
            put(s, p + "self_attn.o_proj.weight", Kind.WEIGHT, h, q);
            if (c.outputBias()) {
                put(s, p + "self_attn.o_proj.bias", Kind.BIAS, h);
            }
            if (phi3) {
                put(s, p + "mlp.gate_up_proj.weight", Kind.WEIGHT, 2 * inter, h);
            } else {
                put(s, p + "mlp.gate_proj.weight", Kind.WEIGHT, inter, h);
                put(s, p + "mlp.up_proj.weight", Kind.WEIGHT, inter, h);
            }
            put(s, p + "mlp.down_proj.weight", Kind.WEIGHT, h, inter);
        }
        put(s, "model.norm.weight", Kind.NORM, h);
        if (!c.tieWordEmbeddings()) {
            put(s, "lm_head.weight", Kind.WEIGHT, c.vocabSize(), h);
        }
        return s;
    }

    private static Map<String, Spec> gpt2(DecoderConfig c) {
        long h = c.hiddenSize();
        long inter = c.intermediateSize();
        Map<String, Spec> s = new LinkedHashMap<>();
        put(s, "transformer.wte.weight", Kind.WEIGHT, c.vocabSize(), h);
        put(s, "transformer.wpe.weight", Kind.WEIGHT, c.maxPositions(), h);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "transformer.h." + i + ".";
            for (String ln : new String[] {"ln_1", "ln_2"}) {
                put(s, p + ln + ".weight", Kind.NORM, h);
                put(s, p + ln + ".bias", Kind.BIAS, h);
            }
            conv1d(s, p + "attn.c_attn", h, 3 * h); // Conv1D stores [in, out]
            conv1d(s, p + "attn.c_proj", h, h);
            conv1d(s, p + "mlp.c_fc", h, inter);
            conv1d(s, p + "mlp.c_proj", inter, h);
        }
        put(s, "transformer.ln_f.weight", Kind.NORM, h);
        put(s, "transformer.ln_f.bias", Kind.BIAS, h);
        if (!c.tieWordEmbeddings()) {
            put(s, "lm_head.weight", Kind.WEIGHT, c.vocabSize(), h);
        }
        return s;
    }

    private static void conv1d(Map<String, Spec> s, String name, long in, long out) {
        put(s, name + ".weight", Kind.WEIGHT, in, out);
        put(s, name + ".bias", Kind.BIAS, out);
    }

    private static void put(Map<String, Spec> s, String name, Kind kind, long... shape) {
        s.put(name, new Spec(shape, kind));
    }
}
