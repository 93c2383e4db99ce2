package dev.ferry.engine.api;

import java.util.List;

/**
 * What a request asks its output to match, as the client gave it, before it is compiled into an
 * {@link OutputConstraint} for a model. Each form names the API {@code field} it came from, so an
 * error in it names that field.
 */
public sealed interface OutputFormat {

    /** The request field that carried the format (e.g. {@code response_format}), named in errors. */
    String field();

    /** Any JSON object (OpenAI's {@code json_object} mode). */
    record JsonObject(String field) implements OutputFormat {}

    /**
     * A JSON Schema.
     *
     * @param schema the schema's JSON text
     * @param strict refuse the keywords that cannot be enforced, rather than ignore them with a warning
     */
    record JsonSchema(String field, String schema, boolean strict) implements OutputFormat {}

    /** A regular expression the whole output matches. */
    record Regex(String field, String pattern) implements OutputFormat {}

    /** Exactly one of the options. */
    record Choice(String field, List<String> options) implements OutputFormat {
        public Choice {
            options = List.copyOf(options);
        }
    }

    /** A grammar in Ferry's GBNF-like syntax. */
    record Grammar(String field, String text) implements OutputFormat {}

    /**
     * One to {@code maxItems} JSON values of a schema, written between {@code prefix} and
     * {@code suffix} and joined by {@code separator}: the shape of a model family's tool calls
     * (Hermes' {@code <tool_call>...</tool_call>}, Mistral's {@code [TOOL_CALLS][...]}).
     *
     * @param itemSchema each value's JSON Schema, as JSON text (not strict: what it cannot enforce is ignored)
     */
    record JsonSequence(String field, String itemSchema, String prefix, String separator, String suffix, int maxItems)
            implements OutputFormat {
        public JsonSequence {
            if (maxItems < 1) {
                throw new IllegalArgumentException("maxItems must be at least 1, got " + maxItems);
            }
        }
    }
}
