package dev.ferry.engine.grammar;

import static dev.ferry.engine.grammar.JsonExprs.alt;
import static dev.ferry.engine.grammar.JsonExprs.literal;
import static dev.ferry.engine.grammar.JsonExprs.optional;
import static dev.ferry.engine.grammar.JsonExprs.seq;

import java.util.List;

/**
 * Any JSON value, written compactly (no whitespace between tokens): what a schema that says
 * nothing about a value allows, and what OpenAI's json_object mode asks for at the top.
 * Nesting is bounded only by the matcher's stack limit.
 */
final class JsonGrammar {
    /** References to the rules {@link #define} made. */
    record AnyValue(Expr value, Expr object) {}

    private JsonGrammar() {}

    /** Adds the rules for any value, any object and any array to {@code rules}. */
    static AnyValue define(JsonRuleTable rules) {
        Expr value = new Expr.RuleRef(rules.reserve("json-value"));
        Expr object = new Expr.RuleRef(rules.reserve("json-object"));
        Expr array = new Expr.RuleRef(rules.reserve("json-array"));
        Expr member = seq(JsonStrings.string(0, -1), literal(":"), value);
        rules.define(name(object), seq(literal("{"), commaSeparated(member), literal("}")));
        rules.define(name(array), seq(literal("["), commaSeparated(value), literal("]")));
        rules.define(name(value), alt(List.of(object, array, JsonStrings.string(0, -1),
                new Expr.Pattern(JsonNumbers.pattern(null, null, false), false),
                literal("true"), literal("false"), literal("null"))));
        return new AnyValue(value, object);
    }

    /** Zero or more {@code item}s with commas between. */
    private static Expr commaSeparated(Expr item) {
        return optional(seq(item, new Expr.Repeat(seq(literal(","), item), 0, -1)));
    }

    private static String name(Expr ref) {
        return ((Expr.RuleRef) ref).name();
    }
}
