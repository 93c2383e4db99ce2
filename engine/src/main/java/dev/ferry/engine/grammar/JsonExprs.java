package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds {@link Expr} trees without the one-element sequences and alternations a naive build leaves. */
final class JsonExprs {
    static final Expr EMPTY = new Expr.Literal("");

    private JsonExprs() {}

    static Expr literal(String text) {
        return new Expr.Literal(text);
    }

    static Expr seq(Expr... parts) {
        return seq(Arrays.asList(parts));
    }

    static Expr seq(List<Expr> parts) {
        List<Expr> kept = new ArrayList<>();
        for (Expr part : parts) {
            if (part instanceof Expr.Seq inner) {
                kept.addAll(inner.parts());
            } else if (!EMPTY.equals(part)) {
                kept.add(part);
            }
        }
        return kept.size() == 1 ? kept.get(0) : new Expr.Seq(kept);
    }

    static Expr alt(List<Expr> options) {
        if (options.isEmpty()) {
            throw new IllegalArgumentException("an alternation needs an option");
        }
        return options.size() == 1 ? options.get(0) : new Expr.Alt(List.copyOf(options));
    }

    static Expr optional(Expr body) {
        return new Expr.Repeat(body, 0, 1);
    }

    static Expr repeat(Expr body, int min, int max) {
        if (max == 0) {
            return EMPTY;
        }
        return min == 1 && max == 1 ? body : new Expr.Repeat(body, min, max);
    }

    /** Whether an expression is cheap enough to copy into several places instead of naming it as a rule. */
    static boolean isSmall(Expr expr) {
        return expr instanceof Expr.Literal || expr instanceof Expr.CharClass
                || expr instanceof Expr.RuleRef || expr instanceof Expr.Pattern;
    }
}
