package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.ferry.engine.grammar.JsonNumbers.Bound;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one schema object: checks each keyword's value, turns the drafts' spellings into one form
 * (draft-04 boolean exclusive bounds, draft-07 array-form items, OpenAPI nullable) and hands the
 * keywords the grammar cannot enforce to the policy. Keywords it does not know are annotations to
 * JSON Schema, and so to it.
 */
final class JsonSchemaReader {
    /** Assertions no grammar here enforces; {@code then}/{@code else} only act with {@code if}. */
    private static final Set<String> UNENFORCED = Set.of("not", "if", "patternProperties", "propertyNames",
            "dependentRequired", "dependentSchemas", "dependencies", "contains", "minContains", "maxContains",
            "unevaluatedItems", "$dynamicRef", "$recursiveRef");

    /** A schema object: its own assertions and the combinators beside them (empty lists when absent). */
    record Read(JsonSchemaConstraints constraints, String ref, List<JsonSchemaAt> allOf,
                List<JsonSchemaAt> anyOf, List<JsonSchemaAt> oneOf) {}

    private final GrammarLimits limits;
    private final JsonSchemaPolicy policy;

    JsonSchemaReader(GrammarLimits limits, JsonSchemaPolicy policy) {
        this.limits = limits;
        this.policy = policy;
    }

    Read read(JsonSchemaAt at) {
        JsonNode node = at.node();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (UNENFORCED.contains(name)) {
                policy.unenforced(at, name, "not supported");
            }
        }
        JsonNode ref = node.get("$ref");
        if (ref != null && !ref.isTextual()) {
            throw at.fault("$ref", "must be a string");
        }
        return new Read(constraints(at), ref == null ? null : ref.asText(),
                schemaList(at, "allOf"), schemaList(at, "anyOf"), schemaList(at, "oneOf"));
    }

    private JsonSchemaConstraints constraints(JsonSchemaAt at) {
        JsonNode node = at.node();
        Set<JsonType> types = types(at);
        List<JsonNode> values = values(at);
        if (node.has("nullable") && bool(at, "nullable")) {
            if (types != null) {
                types.add(JsonType.NULL);
            }
            if (values != null) {
                values.add(NullNode.getInstance());
            }
        }
        return new JsonSchemaConstraints(at, types, values, strings(at), numbers(at), objects(at), arrays(at));
    }

    private Set<JsonType> types(JsonSchemaAt at) {
        JsonNode type = at.node().get("type");
        if (type == null) {
            return null;
        }
        List<JsonNode> names = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(names::add);
        } else {
            names.add(type);
        }
        Set<JsonType> types = EnumSet.noneOf(JsonType.class);
        for (JsonNode name : names) {
            JsonType known = name.isTextual() ? JsonType.named(name.asText()) : null;
            if (known == null) {
                throw at.fault("type", "must name JSON types (null, boolean, object, array, number, integer, string), not " + name);
            }
            types.add(known);
        }
        if (types.isEmpty()) {
            throw at.fault("type", "must name at least one type");
        }
        return types;
    }

    private List<JsonNode> values(JsonSchemaAt at) {
        JsonNode node = at.node();
        List<JsonNode> values = null;
        if (node.has("enum")) {
            JsonNode list = node.get("enum");
            if (!list.isArray()) {
                throw at.fault("enum", "must be an array");
            }
            if (list.isEmpty()) {
                throw at.fault("enum", "unsatisfiable: an empty enum allows no value");
            }
            if (list.size() > limits.maxRepeat()) {
                throw at.fault("enum", list.size() + " values, over the limit of " + limits.maxRepeat());
            }
            values = new ArrayList<>();
            list.forEach(values::add);
        }
        if (node.has("const")) {
            values = JsonSchemaMerge.commonValues(values, new ArrayList<>(List.of(node.get("const"))));
        }
        return values;
    }

    private JsonStringRules strings(JsonSchemaAt at) {
        Integer min = count(at, "minLength", true);
        Integer max = count(at, "maxLength", true);
        checkOrder(at, "minLength", min, "maxLength", max);
        return new JsonStringRules(min, max, text(at, "pattern"), text(at, "format"));
    }

    /** A schema contradicting itself is a mistake worth an error even where it could just be left out. */
    private static void checkOrder(JsonSchemaAt at, String lowKeyword, Integer low, String highKeyword, Integer high) {
        if (low != null && high != null && low > high) {
            throw at.fault(lowKeyword, "unsatisfiable: " + low + " is above " + highKeyword + " " + high);
        }
    }

    private JsonNumberRules numbers(JsonSchemaAt at) {
        Bound lower = bound(at, "minimum", "exclusiveMinimum", true);
        Bound upper = bound(at, "maximum", "exclusiveMaximum", false);
        if (JsonNumbers.isEmpty(lower, upper, false)) {
            throw at.fault("minimum", "unsatisfiable: " + lower.value() + " leaves no number up to the maximum " + upper.value());
        }
        BigDecimal multipleOf = number(at, "multipleOf");
        if (multipleOf != null && multipleOf.signum() <= 0) {
            throw at.fault("multipleOf", "must be greater than 0");
        }
        return new JsonNumberRules(lower, upper, multipleOf);
    }

    /** The tighter of {@code inclusive} and a numeric {@code exclusive}, or draft-04's boolean form of it. */
    private Bound bound(JsonSchemaAt at, String inclusive, String exclusive, boolean lower) {
        BigDecimal limit = number(at, inclusive);
        JsonNode flag = at.node().get(exclusive);
        if (flag != null && flag.isBoolean()) {
            return limit == null ? null : new Bound(limit, flag.booleanValue());
        }
        Bound closed = limit == null ? null : new Bound(limit, false);
        BigDecimal open = number(at, exclusive);
        if (open == null) {
            return closed;
        }
        Bound strict = new Bound(open, true);
        if (closed == null) {
            return strict;
        }
        boolean strictIsTighter = lower ? strict.tighterLowerThan(closed) : strict.tighterUpperThan(closed);
        return strictIsTighter ? strict : closed;
    }

    private JsonObjectRules objects(JsonSchemaAt at) {
        JsonNode node = at.node();
        Map<String, JsonSchemaAllOf> properties = new LinkedHashMap<>();
        JsonNode declared = node.get("properties");
        if (declared != null) {
            if (!declared.isObject()) {
                throw at.fault("properties", "must be an object");
            }
            declared.fields().forEachRemaining(e ->
                    properties.put(e.getKey(), JsonSchemaAllOf.of(at.child(e.getValue(), "properties", e.getKey()))));
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode names = node.get("required");
        if (names != null) {
            if (!names.isArray()) {
                throw at.fault("required", "must be an array of property names");
            }
            for (JsonNode name : names) {
                if (!name.isTextual()) {
                    throw at.fault("required", "must be an array of property names, not " + name);
                }
                required.add(name.asText());
            }
        }
        JsonSchemaAllOf additional = subschema(at, "additionalProperties");
        JsonSchemaAllOf unevaluated = subschema(at, "unevaluatedProperties");
        // every key generated is declared or an additional one, so unevaluatedProperties only
        // matters where additionalProperties leaves extra keys open
        if (additional == null) {
            additional = unevaluated;
        }
        return new JsonObjectRules(properties, required, additional,
                count(at, "minProperties", false), count(at, "maxProperties", false));
    }

    private JsonArrayRules arrays(JsonSchemaAt at) {
        JsonNode node = at.node();
        List<JsonSchemaAllOf> prefix = new ArrayList<>();
        JsonSchemaAllOf rest;
        JsonNode items = node.get("items");
        if (node.has("prefixItems")) {
            schemaList(at, "prefixItems").forEach(item -> prefix.add(JsonSchemaAllOf.of(item)));
            rest = subschema(at, "items");
        } else if (items != null && items.isArray()) {
            schemaList(at, "items").forEach(item -> prefix.add(JsonSchemaAllOf.of(item)));
            rest = subschema(at, "additionalItems");
        } else {
            rest = subschema(at, "items");
        }
        boolean unique = node.has("uniqueItems") && bool(at, "uniqueItems");
        Integer min = count(at, "minItems", true);
        Integer max = count(at, "maxItems", true);
        checkOrder(at, "minItems", min, "maxItems", max);
        return new JsonArrayRules(prefix, rest, min, max, unique);
    }

    private JsonSchemaAllOf subschema(JsonSchemaAt at, String keyword) {
        JsonNode schema = at.node().get(keyword);
        if (schema == null) {
            return null;
        }
        if (!schema.isObject() && !schema.isBoolean()) {
            throw at.fault(keyword, "must be a schema (an object or a boolean)");
        }
        return JsonSchemaAllOf.of(at.child(schema, keyword));
    }

    private List<JsonSchemaAt> schemaList(JsonSchemaAt at, String keyword) {
        JsonNode list = at.node().get(keyword);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray() || list.isEmpty()) {
            throw at.fault(keyword, "must be a non-empty array of schemas");
        }
        List<JsonSchemaAt> schemas = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            schemas.add(at.child(list.get(i), keyword, Integer.toString(i)));
        }
        return schemas;
    }

    /** A non-negative integer; one the grammar expands ({@code repeated}) must be within maxRepeat. */
    private Integer count(JsonSchemaAt at, String keyword, boolean repeated) {
        JsonNode node = at.node().get(keyword);
        if (node == null) {
            return null;
        }
        BigDecimal value = node.isNumber() ? node.decimalValue() : null;
        if (value == null || value.signum() < 0 || value.stripTrailingZeros().scale() > 0) {
            throw at.fault(keyword, "must be a non-negative integer, not " + node);
        }
        if (repeated && value.compareTo(BigDecimal.valueOf(limits.maxRepeat())) > 0) {
            throw at.fault(keyword, value + " is over the limit of " + limits.maxRepeat());
        }
        return value.min(BigDecimal.valueOf(Integer.MAX_VALUE)).intValue();
    }

    private BigDecimal number(JsonSchemaAt at, String keyword) {
        JsonNode value = at.node().get(keyword);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw at.fault(keyword, "must be a number, not " + value);
        }
        return value.decimalValue();
    }

    private String text(JsonSchemaAt at, String keyword) {
        JsonNode value = at.node().get(keyword);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw at.fault(keyword, "must be a string, not " + value);
        }
        return value.asText();
    }

    private boolean bool(JsonSchemaAt at, String keyword) {
        JsonNode value = at.node().get(keyword);
        if (!value.isBoolean()) {
            throw at.fault(keyword, "must be true or false, not " + value);
        }
        return value.booleanValue();
    }
}
