package dev.ferry.store.create;

import java.util.List;
import java.util.Locale;

/**
 * The chat template {@code ferry model create} writes into tokenizer_config.json, and the plain
 * (non-special) added tokens it needs in the tokenizer, so that the tokenizer encodes them as one
 * token and decoding keeps them in the text.
 */
public enum ChatStyle {
    /** The family's own format: Llama 3 headers, ChatML for Qwen2, none for Mistral and GPT-2. */
    FAMILY("family", null, List.of()),
    /**
     * A thinking model's ChatML, like Qwen3's and QwQ's: tools as Hermes' {@code <tool_call>}, and a
     * generation prompt that opens {@code <think>} (DeepSeek-R1 style), closed at once when the
     * request sets {@code enable_thinking} false (Qwen3's switch).
     */
    REASONING("reasoning", ChatTemplates.REASONING, List.of("<think>", "</think>"));

    private final String cliName;
    private final String template;
    private final List<String> plainTokens;

    ChatStyle(String cliName, String template, List<String> plainTokens) {
        this.cliName = cliName;
        this.template = template;
        this.plainTokens = plainTokens;
    }

    public String cliName() {
        return cliName;
    }

    /** The template, or null for the family's own. */
    String template() {
        return template;
    }

    /** Added tokens that are not special: the tokenizer keeps them whole, and decoding keeps them. */
    List<String> plainTokens() {
        return plainTokens;
    }

    public static ChatStyle fromName(String name) {
        for (ChatStyle s : values()) {
            if (s.cliName.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown chat template '" + name + "' (expected family or reasoning)");
    }
}
