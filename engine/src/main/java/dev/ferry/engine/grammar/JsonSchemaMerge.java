package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The field-by-field rules for satisfying two schemas at once (allOf, and sibling keywords of an anyOf). */
final class JsonSchemaMerge {
    /** Numbers compare by value, so that {@code 1} and {@code 1.0} in two enums are the same value. */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) ->
            a.isNumber() && b.isNumber() ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    private JsonSchemaMerge() {}

    static Integer max(Integer a, Integer b) {
        return a == null ? b : b == null ? a : Integer.valueOf(Math.max(a, b));
    }

    static Integer min(Integer a, Integer b) {
        return a == null ? b : b == null ? a : Integer.valueOf(Math.min(a, b));
    }

    /** The value both give, or the one given; two different values go to the policy and the first is kept. */
    static <T> T same(T a, T b, JsonSchemaAt at, String keyword, JsonSchemaPolicy policy) {
        if (a == null || b == null || a.equals(b)) {
            return a == null ? b : a;
        }
        policy.unenforced(at, keyword, "two different values (" + a + ", " + b + ") must hold at once");
        return a;
    }

    /** The values in both lists ({@code null}: no enum, every value). */
    static List<JsonNode> commonValues(List<JsonNode> a, List<JsonNode> b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        List<JsonNode> both = new ArrayList<>();
        for (JsonNode value : a) {
            if (b.stream().anyMatch(other -> value.equals(SAME_VALUE, other))) {
                both.add(value);
            }
        }
        return both;
    }
}
