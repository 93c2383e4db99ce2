package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static dev.ferry.engine.grammar.JsonExprs.alt;
import static dev.ferry.engine.grammar.JsonExprs.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.grammar.JsonObjectLayout.Member;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One schema document's compile: walks the schemas, turns each into grammar expressions, and
 * keeps what the walk shares (the rules, the $ref targets compiled so far, the policy).
 *
 * <p>A schema that only refers ($ref) or only offers alternatives (anyOf, oneOf) compiles each
 * part on its own, so references stay rules and recursion works. A schema whose assertions sit
 * beside combinators is first flattened into alternatives of merged assertions (allOf merged in,
 * each anyOf/oneOf branch merged with the siblings), each of which is compiled by type.
 */
final class JsonSchemaCompiler {
    private final JsonNode document;
    private final GrammarLimits limits;
    private final JsonSchemaPolicy policy;
    private final JsonSchemaReader reader;
    private final JsonRuleTable rules = new JsonRuleTable();
    private final String root = rules.reserve("root");
    /** $ref target pointer to the name of its rule. */
    private final Map<String, String> refRules = new HashMap<>();
    /** Rules of $ref targets being compiled, with the object/array nesting at which they started. */
    private final Map<String, Integer> refsUnderway = new HashMap<>();
    private int containerDepth;
    private JsonGrammar.AnyValue anyValue;

    JsonSchemaCompiler(JsonNode document, GrammarLimits limits, JsonSchemaPolicy policy) {
        this.document = document;
        this.limits = limits;
        this.policy = policy;
        this.reader = new JsonSchemaReader(limits, policy);
    }

    GrammarSpec compileDocument() {
        rules.define(root, compile(JsonSchemaAllOf.of(JsonSchemaAt.root(document)), 0));
        return rules.spec(root);
    }

    private Expr compile(JsonSchemaAllOf schema, int depth) {
        if (schema.members().size() == 1) {
            return compile(schema.first(), depth);
        }
        List<JsonSchemaConstraints> alternatives = List.of(JsonSchemaConstraints.none(schema.first()));
        for (JsonSchemaAt member : schema.members()) {
            alternatives = product(alternatives, flatten(member, depth + 1), member, "allOf");
        }
        return alternatives(alternatives, schema.first(), depth);
    }

    private Expr compile(JsonSchemaAt at, int depth) {
        checkDepth(at, depth);
        JsonNode node = at.node();
        if (node.isBoolean()) {
            if (!node.booleanValue()) {
                throw at.unsatisfiable("false", "the schema false allows no value");
            }
            return anyValue().value();
        }
        if (!node.isObject()) {
            throw at.fault("schema", "must be an object or a boolean, not " + node.getNodeType().name().toLowerCase());
        }
        JsonSchemaReader.Read read = reader.read(at);
        if (read.constraints().isEmpty()) {
            boolean onlyRef = read.ref() != null && read.allOf().isEmpty() && read.anyOf().isEmpty() && read.oneOf().isEmpty();
            if (onlyRef) {
                return reference(at, read.ref(), depth);
            }
            boolean onlyAnyOf = read.ref() == null && read.allOf().isEmpty() && read.anyOf().isEmpty() != read.oneOf().isEmpty();
            if (onlyAnyOf) {
                return anyOf(read.anyOf().isEmpty() ? read.oneOf() : read.anyOf(), depth);
            }
        }
        return alternatives(flatten(at, read, depth), at, depth);
    }

    /** Each branch compiled on its own; a branch nothing satisfies is left out. */
    private Expr anyOf(List<JsonSchemaAt> branches, int depth) {
        List<Supplier<Expr>> options = new ArrayList<>();
        for (JsonSchemaAt branch : branches) {
            options.add(() -> compile(branch, depth + 1));
        }
        return satisfiable(options);
    }

    private Expr alternatives(List<JsonSchemaConstraints> alternatives, JsonSchemaAt at, int depth) {
        if (alternatives.isEmpty()) {
            throw at.unsatisfiable("allOf", "a schema merged here is false (or every alternative of one is)");
        }
        List<Supplier<Expr>> options = new ArrayList<>();
        for (JsonSchemaConstraints constraints : alternatives) {
            options.add(() -> byType(constraints, depth));
        }
        return satisfiable(options);
    }

    /** The alternation of the options that some value satisfies; when none does, the first one's reason. */
    private static Expr satisfiable(List<Supplier<Expr>> options) {
        List<Expr> kept = new ArrayList<>();
        JsonSchemaUnsatisfiable first = null;
        for (Supplier<Expr> option : options) {
            try {
                kept.add(option.get());
            } catch (JsonSchemaUnsatisfiable e) {
                first = first == null ? e : first;
            }
        }
        if (kept.isEmpty()) {
            throw first;
        }
        return alt(kept);
    }

    // ---- flattening: assertions beside combinators become alternatives of merged assertions ----

    private List<JsonSchemaConstraints> flatten(JsonSchemaAt at, int depth) {
        checkDepth(at, depth);
        JsonNode node = at.node();
        if (node.isBoolean()) {
            return node.booleanValue() ? List.of(JsonSchemaConstraints.none(at)) : List.of();
        }
        if (!node.isObject()) {
            throw at.fault("schema", "must be an object or a boolean");
        }
        return flatten(at, reader.read(at), depth);
    }

    private List<JsonSchemaConstraints> flatten(JsonSchemaAt at, JsonSchemaReader.Read read, int depth) {
        List<JsonSchemaConstraints> result = List.of(read.constraints());
        if (read.ref() != null) {
            result = product(result, flatten(resolve(at, read.ref()), depth + 1), at, "$ref");
        }
        for (JsonSchemaAt member : read.allOf()) {
            result = product(result, flatten(member, depth + 1), member, "allOf");
        }
        result = withBranches(result, read.anyOf(), at, "anyOf", depth);
        return withBranches(result, read.oneOf(), at, "oneOf", depth);
    }

    /** {@code result} merged with each of the branches in turn (none: {@code result} as it is). */
    private List<JsonSchemaConstraints> withBranches(List<JsonSchemaConstraints> result, List<JsonSchemaAt> branches,
                                                     JsonSchemaAt at, String keyword, int depth) {
        if (branches.isEmpty()) {
            return result;
        }
        List<JsonSchemaConstraints> union = new ArrayList<>();
        for (JsonSchemaAt branch : branches) {
            union.addAll(flatten(branch, depth + 1));
        }
        return product(result, union, at, keyword);
    }

    /** Every pairing of an alternative of {@code a} with one of {@code b}, merged. */
    private List<JsonSchemaConstraints> product(List<JsonSchemaConstraints> a, List<JsonSchemaConstraints> b,
                                                JsonSchemaAt at, String keyword) {
        if ((long) a.size() * b.size() > limits.maxRepeat()) {
            throw at.fault(keyword, "merging it with the schemas beside it makes " + (long) a.size() * b.size()
                    + " alternatives, over the limit of " + limits.maxRepeat());
        }
        List<JsonSchemaConstraints> merged = new ArrayList<>();
        for (JsonSchemaConstraints x : a) {
            for (JsonSchemaConstraints y : b) {
                merged.add(x.and(y, policy));
            }
        }
        return merged;
    }

    // ---- references ----

    private Expr reference(JsonSchemaAt at, String ref, int depth) {
        JsonSchemaAt target = resolve(at, ref);
        String name = refRules.get(target.pointer());
        if (name != null) {
            Integer startedAt = refsUnderway.get(name);
            if (startedAt != null && startedAt == containerDepth) {
                throw at.fault("$ref", ref + " refers back to itself with no object or array in between, so it never ends");
            }
            return new Expr.RuleRef(name);
        }
        name = rules.reserve("ref" + target.pointer());
        refRules.put(target.pointer(), name);
        refsUnderway.put(name, containerDepth);
        try {
            rules.define(name, compile(target, depth + 1));
        } catch (RuntimeException e) {
            refRules.remove(target.pointer());
            throw e;
        } finally {
            refsUnderway.remove(name);
        }
        return new Expr.RuleRef(name);
    }

    /** The schema a local reference ({@code #} and a JSON pointer) names in this document. */
    private JsonSchemaAt resolve(JsonSchemaAt at, String ref) {
        if (!ref.startsWith("#")) {
            throw at.fault("$ref", ref + " is not local: only references into this schema (#/...) are supported");
        }
        String pointer;
        try {
            // the fragment is URI-encoded: %25 for '%', %22 for '"'...; a '+' is itself
            pointer = URLDecoder.decode(ref.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw at.fault("$ref", ref + " is not a well-formed URI fragment");
        }
        if (!pointer.isEmpty() && !pointer.startsWith("/")) {
            throw at.fault("$ref", ref + " names an anchor; only JSON pointers (#/$defs/name) are supported");
        }
        JsonNode target = document.at(pointer);
        if (target.isMissingNode()) {
            throw at.fault("$ref", ref + " names no schema in this document");
        }
        return new JsonSchemaAt(target, pointer);
    }

    // ---- one merged schema, by type ----

    private Expr byType(JsonSchemaConstraints schema, int depth) {
        JsonSchemaAt at = schema.at();
        if (schema.values() != null) {
            return values(schema);
        }
        Set<JsonType> types = schema.types() != null ? schema.types() : inferTypes(schema);
        if (types == null) {
            return anyValue().value();
        }
        List<Supplier<Expr>> options = new ArrayList<>();
        for (JsonType type : types) {
            switch (type) {
                case NULL -> options.add(() -> literal("null"));
                case BOOLEAN -> options.add(() -> alt(List.of(literal("true"), literal("false"))));
                case STRING -> options.add(() -> string(schema));
                case NUMBER -> options.add(() -> number(schema, false));
                case INTEGER -> {
                    if (!types.contains(JsonType.NUMBER)) {
                        options.add(() -> number(schema, true));
                    }
                }
                case OBJECT -> options.add(() -> object(schema, depth));
                case ARRAY -> options.add(() -> array(schema, depth));
            }
        }
        if (options.isEmpty()) {
            // a type list is never empty as read, so only merging can empty it
            throw at.unsatisfiable("allOf", "the schemas merged here (allOf, $ref or anyOf/oneOf with keywords beside it) allow no type in common");
        }
        return satisfiable(options);
    }

    /**
     * A schema without {@code type} allows every type, but keywords of one type constrain values of
     * that type; generating only the types it has keywords for is the simple, valid subset.
     */
    private static Set<JsonType> inferTypes(JsonSchemaConstraints schema) {
        Set<JsonType> types = EnumSet.noneOf(JsonType.class);
        if (schema.strings().constrains()) {
            types.add(JsonType.STRING);
        }
        if (schema.numbers().constrains()) {
            types.add(JsonType.NUMBER);
        }
        if (schema.objects().constrains()) {
            types.add(JsonType.OBJECT);
        }
        if (schema.arrays().constrains()) {
            types.add(JsonType.ARRAY);
        }
        return types.isEmpty() ? null : types;
    }

    /** enum and const: the values as given, compact, those of an allowed type. */
    private Expr values(JsonSchemaConstraints schema) {
        Set<String> texts = new LinkedHashSet<>();
        for (JsonNode value : schema.values()) {
            if (JsonType.admits(schema.types(), value)) {
                texts.add(value.toString());
            }
        }
        if (texts.isEmpty()) {
            throw schema.at().unsatisfiable("enum", "no value is left (an empty enum, or none of an allowed type or in every merged enum)");
        }
        return rules.share("enum" + schema.at().pointer(), alt(texts.stream().map(JsonExprs::literal).toList()));
    }

    private Expr string(JsonSchemaConstraints schema) {
        JsonSchemaAt at = schema.at();
        JsonStringRules strings = schema.strings();
        int min = strings.minLength() == null ? 0 : strings.minLength();
        int max = strings.maxLength() == null ? -1 : strings.maxLength();
        if (max >= 0 && min > max) {
            throw at.unsatisfiable("minLength", min + " is above maxLength " + max);
        }
        String regex = null;
        String shapedBy = null;
        if (strings.format() != null) {
            regex = JsonFormats.pattern(strings.format());
            shapedBy = "format";
            if (regex == null) {
                policy.unenforced(at, "format", "\"" + strings.format() + "\" is not a supported format");
            }
        }
        if (strings.pattern() != null) {
            if (regex != null) {
                policy.unenforced(at, "pattern", "a pattern beside a format");
            } else if (parses(at, strings.pattern())) {
                // matched in full: a string the whole pattern matches is one JSON Schema's search finds it in
                regex = strings.pattern();
                shapedBy = "pattern";
            }
        }
        if (regex == null) {
            return JsonStrings.string(min, max);
        }
        if (strings.minLength() != null) {
            policy.unenforced(at, "minLength", "a length beside a " + shapedBy);
        }
        if (strings.maxLength() != null) {
            policy.unenforced(at, "maxLength", "a length beside a " + shapedBy);
        }
        return JsonStrings.matching(regex);
    }

    /** Whether the grammar's regular expressions can express {@code pattern}; if not, the policy decides. */
    private boolean parses(JsonSchemaAt at, String pattern) {
        try {
            RegexParser.parse(pattern, true, limits);
            return true;
        } catch (GrammarException e) {
            policy.unenforced(at, "pattern", e.getMessage());
            return false;
        }
    }

    private Expr number(JsonSchemaConstraints schema, boolean integer) {
        JsonSchemaAt at = schema.at();
        JsonNumberRules numbers = schema.numbers();
        BigDecimal step = numbers.multipleOf();
        // every integer is a multiple of 1/k
        boolean stepHolds = step == null || integer && BigDecimal.ONE.remainder(step).signum() == 0;
        if (!stepHolds) {
            policy.unenforced(at, "multipleOf", "not supported");
        }
        if (JsonNumbers.isEmpty(numbers.lower(), numbers.upper(), integer)) {
            throw at.unsatisfiable("minimum", "no " + (integer ? "integer" : "number") + " lies between "
                    + numbers.lower().value() + " and " + numbers.upper().value());
        }
        String regex = JsonNumbers.pattern(numbers.lower(), numbers.upper(), integer);
        if (regex == null) {
            policy.unenforced(at, "minimum", "the bounds leave no number of at most " + JsonNumbers.MAX_FRACTION_DIGITS
                    + " fraction digits, or need more than " + JsonNumbers.MAX_BOUND_DIGITS + " integer digits");
            regex = JsonNumbers.pattern(null, null, integer);
        }
        return new Expr.Pattern(regex, false);
    }

    private Expr object(JsonSchemaConstraints schema, int depth) {
        JsonSchemaAt at = schema.at();
        JsonObjectRules objects = schema.objects();
        boolean open = objects.properties().isEmpty() && objects.required().isEmpty() && objects.additional() == null;
        containerDepth++;
        try {
            List<Member> members = new ArrayList<>();
            objects.properties().forEach((name, property) -> {
                boolean required = objects.required().contains(name);
                try {
                    members.add(new Member(name, compile(property, depth + 1), required));
                } catch (JsonSchemaUnsatisfiable e) {
                    if (required) {
                        throw at.unsatisfiable("required", "\"" + name + "\" is required but its schema allows no value");
                    }
                }
            });
            for (String name : objects.required()) {
                if (objects.properties().containsKey(name)) {
                    continue;
                }
                if (objects.forbidsOthers()) {
                    throw at.unsatisfiable("required", "\"" + name + "\" is required but not among the properties, and additionalProperties is false");
                }
                Expr value = objects.additional() == null ? anyValue().value() : compile(objects.additional(), depth + 1);
                members.add(new Member(name, value, true));
            }
            Expr extra = open || objects.forbidsOthers() ? null : extraMember(objects, depth);
            checkPropertyCount(at, objects, open || extra != null ? -1 : members.size(),
                    (int) members.stream().filter(Member::required).count());
            if (open) {
                return anyValue().object();
            }
            return JsonObjectLayout.object(members, extra, rules, "object" + at.pointer());
        } finally {
            containerDepth--;
        }
    }

    /** A key that is no declared name, then a value of additionalProperties' schema; null when none can be. */
    private Expr extraMember(JsonObjectRules objects, int depth) {
        if (objects.additional() == null) {
            return null;
        }
        Set<String> declared = new LinkedHashSet<>(objects.properties().keySet());
        declared.addAll(objects.required());
        try {
            Expr value = compile(objects.additional(), depth + 1);
            return JsonExprs.seq(literal("\""), JsonKeys.noneOf(declared), literal("\":"), value);
        } catch (JsonSchemaUnsatisfiable e) {
            return null;
        }
    }

    /** minProperties and maxProperties hold by construction when the layout's counts are inside them. */
    private void checkPropertyCount(JsonSchemaAt at, JsonObjectRules objects, int most, int least) {
        if (objects.minProperties() != null && objects.minProperties() > least) {
            policy.unenforced(at, "minProperties", "more properties than the required ones");
        }
        if (objects.maxProperties() != null && (most < 0 || most > objects.maxProperties())) {
            policy.unenforced(at, "maxProperties", "fewer properties than the object may have");
        }
    }

    private Expr array(JsonSchemaConstraints schema, int depth) {
        JsonSchemaAt at = schema.at();
        JsonArrayRules arrays = schema.arrays();
        int min = arrays.minItems() == null ? 0 : arrays.minItems();
        int max = arrays.maxItems() == null ? -1 : arrays.maxItems();
        if (max >= 0 && min > max) {
            throw at.unsatisfiable("minItems", min + " is above maxItems " + max);
        }
        if (arrays.uniqueItems() && (max < 0 || max > 1)) {
            policy.unenforced(at, "uniqueItems", "not supported");
        }
        containerDepth++;
        try {
            List<Expr> prefix = new ArrayList<>();
            for (JsonSchemaAllOf item : arrays.prefix()) {
                if (max >= 0 && prefix.size() == max) {
                    break;
                }
                try {
                    prefix.add(compile(item, depth + 1));
                } catch (JsonSchemaUnsatisfiable e) {
                    if (prefix.size() < min) {
                        throw e;
                    }
                    max = prefix.size(); // no array can reach past an item nothing satisfies
                    break;
                }
            }
            Expr rest = rest(arrays, prefix, min, depth);
            if (rest == null) {
                if (min > prefix.size()) {
                    throw at.unsatisfiable("minItems", min + " items are required but only " + prefix.size() + " may be");
                }
                max = max < 0 ? prefix.size() : Math.min(max, prefix.size());
            } else if (arrays.items() == null && !prefix.isEmpty()) {
                max = min; // a closed tuple takes filler items only as far as minItems requires
            }
            return JsonArrayLayout.array(prefix, rest, min, max, rules, "array" + at.pointer());
        } finally {
            containerDepth--;
        }
    }

    /**
     * The grammar of items after the prefix: {@code items}' schema; any value for a plain array;
     * after prefixItems with no {@code items}, none (a closed tuple, the subset asked for in
     * practice) unless minItems needs more. Null when no item may follow the prefix.
     */
    private Expr rest(JsonArrayRules arrays, List<Expr> prefix, int min, int depth) {
        if (prefix.size() < arrays.prefix().size()) {
            return null;
        }
        if (arrays.items() == null) {
            return prefix.isEmpty() || min > prefix.size() ? anyValue().value() : null;
        }
        try {
            return compile(arrays.items(), depth + 1);
        } catch (JsonSchemaUnsatisfiable e) {
            return null;
        }
    }

    private JsonGrammar.AnyValue anyValue() {
        if (anyValue == null) {
            anyValue = JsonGrammar.define(rules);
        }
        return anyValue;
    }

    private void checkDepth(JsonSchemaAt at, int depth) {
        if (depth > limits.maxDepth()) {
            throw at.fault("schema", "nested deeper than the limit of " + limits.maxDepth()
                    + " (or a $ref cycle through allOf/anyOf)");
        }
    }
}
