package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumSet;
import java.util.Set;

/** The JSON Schema {@code type} names. INTEGER is the part of NUMBER without a fraction. */
enum JsonType {
    NULL, BOOLEAN, OBJECT, ARRAY, NUMBER, INTEGER, STRING;

    static JsonType named(String name) {
        for (JsonType type : values()) {
            if (type.name().equalsIgnoreCase(name)) {
                return type;
            }
        }
        return null;
    }

    /** Whether {@code value} is an instance of one of {@code types} ({@code null} allows every type). */
    static boolean admits(Set<JsonType> types, JsonNode value) {
        return types == null || types.contains(of(value)) || (types.contains(NUMBER) && value.isNumber());
    }

    /** The types both sets allow, an integer being a number; {@code null} allows every type. */
    static Set<JsonType> intersect(Set<JsonType> a, Set<JsonType> b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        EnumSet<JsonType> both = EnumSet.noneOf(JsonType.class);
        for (JsonType type : a) {
            if (b.contains(type)) {
                both.add(type);
            } else if (type == INTEGER && b.contains(NUMBER) || type == NUMBER && b.contains(INTEGER)) {
                both.add(INTEGER);
            }
        }
        return both;
    }

    private static JsonType of(JsonNode value) {
        return switch (value.getNodeType()) {
            case NULL -> NULL;
            case BOOLEAN -> BOOLEAN;
            case OBJECT -> OBJECT;
            case ARRAY -> ARRAY;
            case NUMBER -> isInteger(value) ? INTEGER : NUMBER;
            case STRING -> STRING;
            default -> null;
        };
    }

    private static boolean isInteger(JsonNode value) {
        return value.isNumber() && (value.isIntegralNumber() || value.decimalValue().stripTrailingZeros().scale() <= 0);
    }
}
