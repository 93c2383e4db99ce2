package dev.ferry.store.create;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizer_config.json: the special tokens by name (what transformers and DJL read to know BOS/EOS),
 * and for Llama and Qwen2 a chat template in the family's format. Cleanup of tokenization spaces is
 * off so decoding returns exactly the bytes that were encoded.
 */
final class TokenizerConfigJson {
    /** Llama 3's header format; the header markers are plain text here, only {@code <|eot_id|>} is special. */
    static final String LLAMA_CHAT_TEMPLATE = "{{- bos_token }}"
            + "{%- for message in messages %}"
            + "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
            + " + message['content'] | trim + '<|eot_id|>' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    /** ChatML, as Qwen2 uses. */
    static final String CHATML_TEMPLATE = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private TokenizerConfigJson() {
    }

    static String text(ModelSpec spec, Map<String, Integer> specialIds) {
        ModelArch.SpecialTokens sp = spec.arch().specials();
        Map<String, Object> c = new HashMap<>();
        Map<String, Object> decoder = new LinkedHashMap<>();
        specialIds.forEach((content, id) -> {
            Map<String, Object> t = new HashMap<>();
            t.put("content", content);
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
            decoder.put(String.valueOf(id), t);
        });
        c.put("added_tokens_decoder", decoder);
        c.put("bos_token", sp.bos());
        c.put("eos_token", sp.configEos());
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_input_names", List.of("input_ids", "attention_mask"));
        c.put("model_max_length", spec.maxPosition());
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        switch (spec.arch()) {
            case LLAMA -> c.put("chat_template", LLAMA_CHAT_TEMPLATE);
            case QWEN2 -> {
                c.put("chat_template", CHATML_TEMPLATE);
                c.put("pad_token", "<|endoftext|>");
            }
            case MISTRAL -> c.put("unk_token", "<unk>");
            default -> {
            }
        }
        return PythonJson.write(c, true);
    }
}
