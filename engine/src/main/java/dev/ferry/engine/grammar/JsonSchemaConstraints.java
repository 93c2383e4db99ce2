package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * The assertions of one schema object apart from its combinators ($ref, allOf, anyOf, oneOf),
 * in one normalized form whatever draft spelled them, so that two can be merged.
 *
 * @param types the allowed types; null when the schema does not restrict them
 * @param values the allowed values (enum, const); null when the schema does not list them
 */
record JsonSchemaConstraints(JsonSchemaAt at, Set<JsonType> types, List<JsonNode> values, JsonStringRules strings,
                             JsonNumberRules numbers, JsonObjectRules objects, JsonArrayRules arrays) {

    /** The assertions of {@code true} and {@code {}}: none. */
    static JsonSchemaConstraints none(JsonSchemaAt at) {
        return new JsonSchemaConstraints(at, null, null, JsonStringRules.NONE, JsonNumberRules.NONE,
                JsonObjectRules.NONE, JsonArrayRules.NONE);
    }

    /** Whether the schema asserts nothing, so that a $ref or an anyOf beside it stands alone. */
    boolean isEmpty() {
        return types == null && values == null && !strings.constrains() && !numbers.constrains()
                && !objects.constrains() && !arrays.constrains();
    }

    /** The assertions of both at once, in the place of this one; a value that cannot be merged is reported at the other's. */
    JsonSchemaConstraints and(JsonSchemaConstraints other, JsonSchemaPolicy policy) {
        return new JsonSchemaConstraints(at, JsonType.intersect(types, other.types),
                JsonSchemaMerge.commonValues(values, other.values),
                strings.and(other.strings, other.at, policy), numbers.and(other.numbers, other.at, policy),
                objects.and(other.objects), arrays.and(other.arrays));
    }
}
