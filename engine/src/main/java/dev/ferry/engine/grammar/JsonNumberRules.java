package dev.ferry.engine.grammar;

import dev.ferry.engine.grammar.JsonNumbers.Bound;
import java.math.BigDecimal;

/** What a schema asserts about numbers; each field null when the schema does not say. */
record JsonNumberRules(Bound lower, Bound upper, BigDecimal multipleOf) {
    static final JsonNumberRules NONE = new JsonNumberRules(null, null, null);

    boolean constrains() {
        return !equals(NONE);
    }

    JsonNumberRules and(JsonNumberRules other, JsonSchemaAt at, JsonSchemaPolicy policy) {
        Bound low = lower == null || other.lower != null && other.lower.tighterLowerThan(lower) ? other.lower : lower;
        Bound high = upper == null || other.upper != null && other.upper.tighterUpperThan(upper) ? other.upper : upper;
        return new JsonNumberRules(low, high, JsonSchemaMerge.same(multipleOf, other.multipleOf, at, "multipleOf", policy));
    }
}
