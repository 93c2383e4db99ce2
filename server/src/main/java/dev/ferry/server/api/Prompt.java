package dev.ferry.server.api;

import java.util.List;

/** The three ways a request gives its prompt. */
public sealed interface Prompt {
    /** The request field it came in, as the API spells it: what a refusal of it names. */
    default String field() {
        return this instanceof Chat ? "messages" : "prompt";
    }

    /** Text, encoded with the model's tokenizer (its special tokens such as BOS added). */
    record Text(String text) implements Prompt {}

    /** Token ids, used as given. */
    record TokenIds(int[] ids) implements Prompt {}

    /** Chat messages, rendered with the model's chat template and then encoded. */
    record Chat(List<ChatMessage> messages, boolean addGenerationPrompt) implements Prompt {}

    record ChatMessage(String role, String content) {}
}
