package dev.ferry.server.tools;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One call the model made.
 *
 * @param id stable for the call's whole life: made once, when the call is first announced
 * @param argumentsJson the arguments as compact JSON text, as OpenAI's {@code function.arguments} wants them
 */
public record ToolCall(String id, String name, String argumentsJson) {
    private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int ID_RANDOM_CHARS = 24;

    /** A fresh id in OpenAI's shape; ids only need to be unique within a conversation, not secret. */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder("call_");
        for (int i = 0; i < ID_RANDOM_CHARS; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }
}
