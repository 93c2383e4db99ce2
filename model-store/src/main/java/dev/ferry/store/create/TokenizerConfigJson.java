package dev.ferry.store.create;

import dev.ferry.store.PythonJson;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizer_config.json: the added tokens by id (special ones, and the plain ones a chat style needs),
 * the special tokens by name (what transformers and DJL read to know BOS/EOS), and a chat template:
 * the style's, else for Llama and Qwen2 the family's format. Cleanup of tokenization spaces is
 * off so decoding returns exactly the bytes that were encoded.
 */
final class TokenizerConfigJson {
    private TokenizerConfigJson() {
    }

    static String text(ModelSpec spec, ChatStyle chat, Map<String, Integer> specialIds, Map<String, Integer> plainIds) {
        ModelArch.SpecialTokens sp = spec.arch().specials();
        Map<String, Object> c = new HashMap<>();
        Map<String, Object> decoder = new LinkedHashMap<>();
        specialIds.forEach((content, id) -> decoder.put(String.valueOf(id), added(content, true)));
        plainIds.forEach((content, id) -> decoder.put(String.valueOf(id), added(content, false)));
        c.put("added_tokens_decoder", decoder);
        c.put("bos_token", sp.bos());
        c.put("eos_token", sp.configEos());
        c.put("clean_up_tokenization_spaces", false);
        c.put("model_input_names", List.of("input_ids", "attention_mask"));
        c.put("model_max_length", spec.maxPosition());
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        switch (spec.arch()) {
            case LLAMA -> c.put("chat_template", ChatTemplates.LLAMA);
            case QWEN2 -> {
                c.put("chat_template", ChatTemplates.CHATML);
                c.put("pad_token", "<|endoftext|>");
            }
            case MISTRAL -> c.put("unk_token", "<unk>");
            default -> {
            }
        }
        if (chat.template() != null) {
            c.put("chat_template", chat.template());
        }
        return PythonJson.write(c, true);
    }

    private static Map<String, Object> added(String content, boolean special) {
        Map<String, Object> t = new HashMap<>();
        t.put("content", content);
        t.put("lstrip", false);
        t.put("normalized", false);
        t.put("rstrip", false);
        t.put("single_word", false);
        t.put("special", special);
        return t;
    }
}
