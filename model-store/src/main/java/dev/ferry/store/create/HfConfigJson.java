package dev.ferry.store.create;

import dev.ferry.store.PythonJson;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.RopeScaling;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json and generation_config.json as transformers 4.45.2's {@code save_pretrained} writes
 * them for each family: its keys (defaults included), sorted, with Python's number forms.
 */
final class HfConfigJson {
    static final String TRANSFORMERS_VERSION = "4.45.2";

    private HfConfigJson() {
    }

    static String configText(ModelSpec spec, TokenIds ids) {
        return PythonJson.write(config(spec, ids), true);
    }

    static String generationConfigText(TokenIds ids) {
        Map<String, Object> gen = new HashMap<>();
        gen.put("_from_model_config", true);
        gen.put("bos_token_id", ids.bos());
        // HF writes a single stop id as a bare number, several as a list
        gen.put("eos_token_id", ids.generationEos().size() == 1 ? ids.generationEos().get(0) : ids.generationEos());
        gen.put("transformers_version", TRANSFORMERS_VERSION);
        if (ids.pad() != null) {
            gen.put("pad_token_id", ids.pad());
        }
        return PythonJson.write(gen, true);
    }

    static Map<String, Object> config(ModelSpec s, TokenIds ids) {
        if (s.arch().isEncoder()) {
            return encoder(s, ids);
        }
        Map<String, Object> c = new HashMap<>();
        c.put("bos_token_id", ids.bos());
        c.put("eos_token_id", ids.eos());
        c.put("initializer_range", s.std());
        c.put("torch_dtype", s.dtype().torchName());
        c.put("transformers_version", TRANSFORMERS_VERSION);
        c.put("use_cache", true);
        c.put("vocab_size", s.vocab());
        if (s.arch() == ModelArch.GPT2) {
            gpt2(s, c);
            return c;
        }
        c.put("attention_dropout", 0.0);
        c.put("hidden_act", "silu");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("max_position_embeddings", s.maxPosition());
        c.put("num_attention_heads", s.heads());
        c.put("num_hidden_layers", s.layers());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("rms_norm_eps", s.normEps());
        c.put("rope_theta", s.ropeTheta());
        c.put("rope_scaling", s.llama3RopeScaling() ? llama3RopeScaling() : null);
        c.put("tie_word_embeddings", s.tieWordEmbeddings());
        switch (s.arch()) {
            case LLAMA -> {
                c.put("architectures", List.of("LlamaForCausalLM"));
                c.put("model_type", "llama");
                c.put("attention_bias", false);
                c.put("mlp_bias", false);
                c.put("pretraining_tp", 1);
                c.put("head_dim", s.headDim());
            }
            case MISTRAL -> {
                c.put("architectures", List.of("MistralForCausalLM"));
                c.put("model_type", "mistral");
                c.put("head_dim", s.headDim());
                c.put("sliding_window", null);
            }
            case QWEN2 -> { // q/k/v biases are implied by the family (no config key); window off as released
                c.put("architectures", List.of("Qwen2ForCausalLM"));
                c.put("model_type", "qwen2");
                c.put("use_sliding_window", false);
                c.put("sliding_window", s.maxPosition());
                c.put("max_window_layers", s.layers());
            }
            case QWEN3 -> { // per-head q/k norms are implied by the family
                c.put("architectures", List.of("Qwen3ForCausalLM"));
                c.put("model_type", "qwen3");
                c.put("attention_bias", false);
                c.put("head_dim", s.headDim());
                c.put("use_sliding_window", false);
                c.put("sliding_window", null);
                c.put("max_window_layers", s.layers());
            }
            case PHI3 -> { // fused qkv_proj and gate_up_proj are implied by the family
                RopeScaling r = s.ropeScaling();
                c.put("architectures", List.of("Phi3ForCausalLM"));
                c.put("model_type", "phi3");
                c.put("attention_bias", false);
                c.put("original_max_position_embeddings", r.originalMaxPositions());
                c.put("partial_rotary_factor", 1.0);
                c.put("sliding_window", s.slidingWindow());
                c.put("rope_scaling", Map.of("type", "longrope", "short_factor", r.shortFactor(),
                        "long_factor", r.longFactor()));
            }
            case GEMMA3 -> { // (1 + w) norms, four a layer, q/k norms and the embed scale are implied by the family
                DecoderConfig d = s.decoderConfig();
                c.remove("hidden_act");
                c.put("architectures", List.of("Gemma3ForCausalLM"));
                c.put("model_type", "gemma3_text");
                c.put("hidden_activation", "gelu_pytorch_tanh");
                c.put("head_dim", s.headDim());
                c.put("query_pre_attn_scalar", s.headDim());
                c.put("sliding_window", s.slidingWindow());
                c.put("_sliding_window_pattern", ModelSpec.GEMMA_SLIDING_PATTERN);
                c.put("layer_types", d.slidingLayers().stream()
                        .map(sl -> sl ? "sliding_attention" : "full_attention").toList());
                c.put("rope_local_base_freq", d.localRopeTheta());
                c.put("attn_logit_softcapping", null);
                c.put("final_logit_softcapping", null);
                c.put("attention_bias", false);
                c.put("use_bidirectional_attention", false);
            }
            default -> throw new IllegalStateException("unhandled arch " + s.arch());
        }
        return c;
    }

    private static void gpt2(ModelSpec s, Map<String, Object> c) {
        c.put("architectures", List.of("GPT2LMHeadModel"));
        c.put("model_type", "gpt2");
        c.put("activation_function", "gelu_new");
        c.put("n_embd", s.hidden());
        c.put("n_layer", s.layers());
        c.put("n_head", s.heads());
        c.put("n_positions", s.maxPosition());
        c.put("n_inner", s.intermediate() == 4 * s.hidden() ? null : s.intermediate()); // null means 4 * n_embd
        c.put("layer_norm_epsilon", s.normEps());
        c.put("attn_pdrop", 0.1);
        c.put("embd_pdrop", 0.1);
        c.put("resid_pdrop", 0.1);
        c.put("scale_attn_weights", true);
        c.put("scale_attn_by_inverse_layer_idx", false);
        c.put("reorder_and_upcast_attn", false);
        c.put("summary_activation", null);
        c.put("summary_first_dropout", 0.1);
        c.put("summary_proj_to_labels", true);
        c.put("summary_type", "cls_index");
        c.put("summary_use_proj", true);
        if (!s.tieWordEmbeddings()) { // GPT2Config's default is tied, and HF omits defaults it did not change
            c.put("tie_word_embeddings", false);
        }
    }

    /** BertConfig's and XLMRobertaConfig's keys; RoBERTa's also name its bos and eos ids. */
    private static Map<String, Object> encoder(ModelSpec s, TokenIds ids) {
        EncoderConfig e = s.encoderConfig();
        boolean xlmr = s.arch() == ModelArch.XLM_ROBERTA;
        Map<String, Object> c = new HashMap<>();
        c.put("architectures", List.of(e.architecture().hfClass()));
        c.put("model_type", s.arch().cliName());
        c.put("attention_probs_dropout_prob", 0.1);
        c.put("classifier_dropout", null);
        c.put("hidden_act", "gelu");
        c.put("hidden_dropout_prob", 0.1);
        c.put("hidden_size", e.hiddenSize());
        c.put("initializer_range", s.std());
        c.put("intermediate_size", e.intermediateSize());
        c.put("layer_norm_eps", e.normEps());
        c.put("max_position_embeddings", e.maxPositions());
        c.put("num_attention_heads", e.numHeads());
        c.put("num_hidden_layers", e.numLayers());
        c.put("pad_token_id", ids.pad());
        c.put("position_embedding_type", "absolute");
        c.put("torch_dtype", s.dtype().torchName());
        c.put("transformers_version", TRANSFORMERS_VERSION);
        c.put("type_vocab_size", e.typeVocabSize());
        c.put("use_cache", true);
        c.put("vocab_size", e.vocabSize());
        if (xlmr) {
            c.put("bos_token_id", ids.bos());
            c.put("eos_token_id", ids.eos());
        }
        return c;
    }

    /** Llama 3.1/3.2's long-context RoPE frequency scaling. */
    private static Map<String, Object> llama3RopeScaling() {
        return Map.of("factor", 32.0, "high_freq_factor", 4.0, "low_freq_factor", 1.0,
                "original_max_position_embeddings", 8192, "rope_type", "llama3");
    }
}
