package dev.ferry.engine.grammar;

/** What a schema asserts about strings; each field null when the schema does not say. */
record JsonStringRules(Integer minLength, Integer maxLength, String pattern, String format) {
    static final JsonStringRules NONE = new JsonStringRules(null, null, null, null);

    boolean constrains() {
        return !equals(NONE);
    }

    /** Both at once; a second, different pattern or format cannot be intersected and is left to the policy. */
    JsonStringRules and(JsonStringRules other, JsonSchemaAt at, JsonSchemaPolicy policy) {
        return new JsonStringRules(
                JsonSchemaMerge.max(minLength, other.minLength),
                JsonSchemaMerge.min(maxLength, other.maxLength),
                JsonSchemaMerge.same(pattern, other.pattern, at, "pattern", policy),
                JsonSchemaMerge.same(format, other.format, at, "format", policy));
    }
}
