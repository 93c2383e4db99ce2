package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * What a schema asserts about arrays, in the 2020-12 form: the schemas of the first items in
 * order ({@code prefixItems}, or draft-07's array-form {@code items}), then the schema of every
 * item after them ({@code items}, or draft-07's {@code additionalItems}), null when absent.
 */
record JsonArrayRules(List<JsonSchemaAllOf> prefix, JsonSchemaAllOf items, Integer minItems, Integer maxItems,
                      boolean uniqueItems) {
    static final JsonArrayRules NONE = new JsonArrayRules(List.of(), null, null, null, false);

    boolean constrains() {
        return !equals(NONE);
    }

    /** Both at once: item by item, a position past one side's prefix taking that side's {@code items}. */
    JsonArrayRules and(JsonArrayRules other) {
        List<JsonSchemaAllOf> merged = new ArrayList<>();
        for (int i = 0; i < Math.max(prefix.size(), other.prefix.size()); i++) {
            merged.add(JsonSchemaAllOf.and(itemAt(i), other.itemAt(i)));
        }
        return new JsonArrayRules(merged, JsonSchemaAllOf.and(items, other.items),
                JsonSchemaMerge.max(minItems, other.minItems), JsonSchemaMerge.min(maxItems, other.maxItems),
                uniqueItems || other.uniqueItems);
    }

    private JsonSchemaAllOf itemAt(int index) {
        return index < prefix.size() ? prefix.get(index) : items;
    }
}
