package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.api.ApiException;
import dev.ferry.store.config.ReasoningEffort;
import java.util.Map;

/** The chat fields that switch and bound thinking: {@code chat_template_kwargs} and {@code reasoning_effort}. */
final class ReasoningFields {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReasoningFields() {
    }

    /** An object whose members become template variables, as maps, lists and scalars; empty when absent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> templateKwargs(JsonNode n) {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw Fields.wrongType("chat_template_kwargs", "an object of template variables", n);
        }
        try {
            return JSON.treeToValue(n, Map.class);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("chat_template_kwargs", "cannot be read: " + e.getOriginalMessage());
        }
    }

    static ReasoningEffort effort(String value) {
        if (value == null) {
            return null;
        }
        try {
            return ReasoningEffort.fromWire(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("reasoning_effort", e.getMessage());
        }
    }
}
