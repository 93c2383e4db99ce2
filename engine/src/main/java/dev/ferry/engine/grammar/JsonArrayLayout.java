package dev.ferry.engine.grammar;

import static dev.ferry.engine.grammar.JsonExprs.literal;
import static dev.ferry.engine.grammar.JsonExprs.optional;
import static dev.ferry.engine.grammar.JsonExprs.repeat;
import static dev.ferry.engine.grammar.JsonExprs.seq;

import java.util.ArrayList;
import java.util.List;

/**
 * An array of {@code min} to {@code max} items, commas between: the first items each of its own
 * schema (prefixItems), the rest of one schema. The items up to {@code min} are written out, the
 * optional prefix items nest (each may follow only the one before it), and the rest repeat.
 */
final class JsonArrayLayout {
    private static final Expr COMMA = literal(",");

    private JsonArrayLayout() {}

    /**
     * @param prefix the first items' grammars, at most {@code max} of them
     * @param rest the grammar of each later item, or null when there are none
     * @param max -1 for no bound; with no {@code rest}, at most the prefix's length
     */
    static Expr array(List<Expr> prefix, Expr rest, int min, int max, JsonRuleTable rules, String hint) {
        int fixed = prefix.size();
        Expr item = rest == null ? null : rules.share(hint + "-item", rest);
        List<Expr> parts = new ArrayList<>();
        for (int i = 0; i < Math.min(min, fixed); i++) {
            parts.add(seq(separator(i), prefix.get(i)));
        }
        Expr more = item == null ? JsonExprs.EMPTY
                : repeated(item, fixed, Math.max(0, min - fixed), max < 0 ? -1 : max - fixed);
        for (int i = fixed - 1; i >= min; i--) {
            more = optional(seq(separator(i), prefix.get(i), more));
        }
        parts.add(more);
        return seq(literal("["), seq(parts), literal("]"));
    }

    /** {@code min} to {@code max} items starting at index {@code start}. */
    private static Expr repeated(Expr item, int start, int min, int max) {
        Expr withComma = seq(COMMA, item);
        if (max == 0) {
            return JsonExprs.EMPTY;
        }
        if (start > 0) {
            return repeat(withComma, min, max);
        }
        Expr items = seq(item, repeat(withComma, Math.max(0, min - 1), max < 0 ? -1 : max - 1));
        return min > 0 ? items : optional(items);
    }

    private static Expr separator(int index) {
        return index == 0 ? JsonExprs.EMPTY : COMMA;
    }
}
