package dev.ferry.store.create;

import java.util.Map;

/**
 * The golden fixtures' config.json and generation_config.json (as transformers 4.45.2 writes them,
 * from /work/shared/golden/ARCH-tiny/model) and the SHA-256 of their tokenizer.json, so the tests
 * pin the created files byte for byte without reading the fixtures from disk.
 */
final class GoldenTinyFiles {
    record Files(String config, String generationConfig, String tokenizerSha256) {
    }

    private GoldenTinyFiles() {
    }

    private static final Map<ModelArch, Files> ALL = Map.of(
            ModelArch.LLAMA, new Files("""
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "attention_bias": false,
              "attention_dropout": 0.0,
              "bos_token_id": 509,
              "eos_token_id": 510,
              "head_dim": 16,
              "hidden_act": "silu",
              "hidden_size": 64,
              "initializer_range": 0.1,
              "intermediate_size": 160,
              "max_position_embeddings": 256,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 4,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 500000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "float32",
              "transformers_version": "4.45.2",
              "use_cache": true,
              "vocab_size": 512
            }
            """, """
            {
              "_from_model_config": true,
              "bos_token_id": 509,
              "eos_token_id": [
                510,
                511
              ],
              "transformers_version": "4.45.2"
            }
            """,
                    "4689f493dc53cb9df0f86bd844d7bb2da0071dfb30998eb00bebc9b223b18c5c"),
            ModelArch.MISTRAL, new Files("""
            {
              "architectures": [
                "MistralForCausalLM"
              ],
              "attention_dropout": 0.0,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "head_dim": 16,
              "hidden_act": "silu",
              "hidden_size": 64,
              "initializer_range": 0.1,
              "intermediate_size": 160,
              "max_position_embeddings": 256,
              "model_type": "mistral",
              "num_attention_heads": 4,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 1000000.0,
              "sliding_window": null,
              "tie_word_embeddings": false,
              "torch_dtype": "float32",
              "transformers_version": "4.45.2",
              "use_cache": true,
              "vocab_size": 512
            }
            """, """
            {
              "_from_model_config": true,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "transformers_version": "4.45.2"
            }
            """,
                    "a1ade8c4368d4315499fcb9574dc967b361392bd0b6fc52975a4700726100cab"),
            ModelArch.QWEN2, new Files("""
            {
              "architectures": [
                "Qwen2ForCausalLM"
              ],
              "attention_dropout": 0.0,
              "bos_token_id": 509,
              "eos_token_id": 509,
              "hidden_act": "silu",
              "hidden_size": 64,
              "initializer_range": 0.1,
              "intermediate_size": 160,
              "max_position_embeddings": 256,
              "max_window_layers": 2,
              "model_type": "qwen2",
              "num_attention_heads": 4,
              "num_hidden_layers": 2,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_scaling": null,
              "rope_theta": 1000000.0,
              "sliding_window": 256,
              "tie_word_embeddings": true,
              "torch_dtype": "float32",
              "transformers_version": "4.45.2",
              "use_cache": true,
              "use_sliding_window": false,
              "vocab_size": 512
            }
            """, """
            {
              "_from_model_config": true,
              "bos_token_id": 509,
              "eos_token_id": [
                511,
                509
              ],
              "pad_token_id": 509,
              "transformers_version": "4.45.2"
            }
            """,
                    "1d8adb794e998b3702815e7233a1d3df9b66f70286f7a68be03910b9cb92dce3"),
            ModelArch.GPT2, new Files("""
            {
              "activation_function": "gelu_new",
              "architectures": [
                "GPT2LMHeadModel"
              ],
              "attn_pdrop": 0.1,
              "bos_token_id": 511,
              "embd_pdrop": 0.1,
              "eos_token_id": 511,
              "initializer_range": 0.1,
              "layer_norm_epsilon": 1e-05,
              "model_type": "gpt2",
              "n_embd": 64,
              "n_head": 4,
              "n_inner": null,
              "n_layer": 2,
              "n_positions": 256,
              "reorder_and_upcast_attn": false,
              "resid_pdrop": 0.1,
              "scale_attn_by_inverse_layer_idx": false,
              "scale_attn_weights": true,
              "summary_activation": null,
              "summary_first_dropout": 0.1,
              "summary_proj_to_labels": true,
              "summary_type": "cls_index",
              "summary_use_proj": true,
              "torch_dtype": "float32",
              "transformers_version": "4.45.2",
              "use_cache": true,
              "vocab_size": 512
            }
            """, """
            {
              "_from_model_config": true,
              "bos_token_id": 511,
              "eos_token_id": 511,
              "transformers_version": "4.45.2"
            }
            """,
                    "6aee497ad1bc5346f2caab68cd3cb4e7acda10f876f98fac02a35fadbaa96e03"));

    static Files of(ModelArch arch) {
        return ALL.get(arch);
    }
}
