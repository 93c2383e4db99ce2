package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static dev.ferry.engine.grammar.JsonExprs.literal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The structured-output formats that speak JSON: a JSON Schema (OpenAI response_format
 * json_schema, vLLM guided_json), any JSON object (json_object mode) and a fixed list of strings
 * (guided_choice), each as a {@link GrammarSpec} for {@link Grammar#compile}. Output is compact
 * JSON: no whitespace between tokens. What is covered, and how, is in docs/json-schema.md.
 */
public final class JsonSchemaGrammar {

    /**
     * A compiled schema.
     *
     * @param ignored the keywords left unenforced, as {@code "keyword at #/json/pointer"}; always
     *     empty for a strict compile, which refuses them instead
     */
    public record Compiled(GrammarSpec spec, List<String> ignored) {
        public Compiled {
            ignored = List.copyOf(ignored);
        }
    }

    private JsonSchemaGrammar() {}

    /**
     * The grammar of the JSON values {@code schema} accepts (a subset of them: see the docs).
     *
     * @param strict refuse keywords the grammar cannot enforce, instead of ignoring and listing them
     * @throws GrammarException naming the JSON pointer and keyword at fault: a malformed or
     *     unsatisfiable schema, one past {@code limits}, or (strict) one with an unenforced keyword
     */
    public static Compiled compile(JsonNode schema, boolean strict, GrammarLimits limits) {
        Objects.requireNonNull(schema, "schema");
        if (!schema.isObject() && !schema.isBoolean()) {
            throw JsonSchemaAt.root(schema).fault("schema", "must be an object or a boolean");
        }
        int size = schema.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > limits.maxSourceBytes()) {
            throw JsonSchemaAt.root(schema).fault("schema", size + " bytes, over the limit of " + limits.maxSourceBytes());
        }
        JsonSchemaPolicy policy = new JsonSchemaPolicy(strict);
        try {
            GrammarSpec spec = new JsonSchemaCompiler(schema, limits, policy).compileDocument();
            return new Compiled(spec, policy.ignored());
        } catch (JsonSchemaUnsatisfiable e) {
            throw e.asError();
        }
    }

    /** OpenAI json_object mode: any JSON object at the top level (values any JSON, nesting bounded by the matcher's stack limit). */
    public static GrammarSpec anyObject() {
        JsonRuleTable rules = new JsonRuleTable();
        String root = rules.reserve("root");
        rules.define(root, JsonGrammar.define(rules).object());
        return rules.spec(root);
    }

    /** One of the given strings exactly (vLLM guided_choice). */
    public static GrammarSpec choices(List<String> options) {
        if (options.isEmpty()) {
            throw new GrammarException("choices: at least one option is needed");
        }
        return GrammarSpec.of(JsonExprs.alt(new LinkedHashSet<>(options).stream().map(o -> literal(o)).toList()));
    }
}
