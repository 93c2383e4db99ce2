package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Schemas a value must satisfy together: a property's schema once two merged schemas both
 * declare it, or one schema on its own. Kept as a list until compiled, so each member still
 * names its own place in the document.
 */
record JsonSchemaAllOf(List<JsonSchemaAt> members) {
    JsonSchemaAllOf {
        members = List.copyOf(members);
    }

    static JsonSchemaAllOf of(JsonSchemaAt schema) {
        return new JsonSchemaAllOf(List.of(schema));
    }

    JsonSchemaAllOf and(JsonSchemaAllOf other) {
        List<JsonSchemaAt> both = new ArrayList<>(members);
        both.addAll(other.members);
        return new JsonSchemaAllOf(both);
    }

    /** {@code null} (absent) stays as the other side. */
    static JsonSchemaAllOf and(JsonSchemaAllOf a, JsonSchemaAllOf b) {
        return a == null ? b : b == null ? a : a.and(b);
    }

    /** Whether a member is the schema {@code false}, which nothing satisfies. */
    boolean isFalse() {
        return members.stream().map(JsonSchemaAt::node).anyMatch(node -> node.isBoolean() && !node.booleanValue());
    }

    JsonSchemaAt first() {
        return members.get(0);
    }
}
