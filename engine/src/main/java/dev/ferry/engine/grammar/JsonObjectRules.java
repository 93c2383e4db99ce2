package dev.ferry.engine.grammar;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a schema asserts about objects. {@code additional} is null when additionalProperties is
 * absent (no extra keys are generated), a conjunction holding {@code false} when extra keys are
 * forbidden, and otherwise the schema extra values follow.
 */
record JsonObjectRules(Map<String, JsonSchemaAllOf> properties, Set<String> required, JsonSchemaAllOf additional,
                       Integer minProperties, Integer maxProperties) {
    static final JsonObjectRules NONE = new JsonObjectRules(Map.of(), Set.of(), null, null, null);

    boolean constrains() {
        return !equals(NONE);
    }

    boolean forbidsOthers() {
        return additional != null && additional.isFalse();
    }

    /**
     * Both at once. A property one side declares and the other does not must also satisfy the
     * other's additionalProperties; where that is {@code false}, the merged property's schema
     * holds {@code false} and it cannot appear (nor be generated as an extra key).
     */
    JsonObjectRules and(JsonObjectRules other) {
        Set<String> names = new LinkedHashSet<>(properties.keySet());
        names.addAll(other.properties.keySet());
        Map<String, JsonSchemaAllOf> merged = new LinkedHashMap<>();
        for (String name : names) {
            merged.put(name, JsonSchemaAllOf.and(schemaOf(name), other.schemaOf(name)));
        }
        Set<String> bothRequired = new LinkedHashSet<>(required);
        bothRequired.addAll(other.required);
        return new JsonObjectRules(merged, bothRequired, JsonSchemaAllOf.and(additional, other.additional),
                JsonSchemaMerge.max(minProperties, other.minProperties),
                JsonSchemaMerge.min(maxProperties, other.maxProperties));
    }

    /** The schema a property of that name must satisfy here: its own, else additionalProperties (null: anything). */
    private JsonSchemaAllOf schemaOf(String name) {
        return properties.getOrDefault(name, additional);
    }
}
