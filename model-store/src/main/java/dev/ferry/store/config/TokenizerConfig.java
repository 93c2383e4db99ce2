package dev.ferry.store.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What Ferry reads from {@code tokenizer_config.json}: the chat template (rendered by the server) and
 * the special token strings. Absent values are null.
 */
public record TokenizerConfig(String chatTemplate, String bosToken, String eosToken) {

    public static TokenizerConfig empty() {
        return new TokenizerConfig(null, null, null);
    }

    public static TokenizerConfig parse(ObjectNode json) {
        return new TokenizerConfig(chatTemplate(json.get("chat_template")), token(json.get("bos_token")),
                token(json.get("eos_token")));
    }

    /** A template is a string, or a list of {name, template} of which "default" is the one to use. */
    private static String chatTemplate(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isArray()) {
            for (JsonNode t : v) {
                if ("default".equals(t.path("name").asText())) {
                    return t.path("template").asText(null);
                }
            }
            return v.isEmpty() ? null : v.get(0).path("template").asText(null);
        }
        return null;
    }

    /** Special tokens appear as plain strings or as AddedToken objects with a "content" field. */
    private static String token(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isTextual() ? v.asText() : v.path("content").asText(null);
    }
}
