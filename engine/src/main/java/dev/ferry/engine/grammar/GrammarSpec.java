package dev.ferry.engine.grammar;

import java.util.Map;

/**
 * Named rules and the one generation starts from: what every front end produces and
 * {@link Grammar#compile} takes.
 */
public record GrammarSpec(Map<String, Expr> rules, String root) {
    public GrammarSpec {
        rules = Map.copyOf(rules);
        if (!rules.containsKey(root)) {
            throw new IllegalArgumentException("no rule named " + root);
        }
    }

    /** A grammar of one expression. */
    public static GrammarSpec of(Expr root) {
        return new GrammarSpec(Map.of("root", root), "root");
    }
}
