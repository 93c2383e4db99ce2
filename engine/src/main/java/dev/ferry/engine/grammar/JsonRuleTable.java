package dev.ferry.engine.grammar;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules one compile produces. Anything referred to from two places becomes a rule, so a
 * schema's grammar grows with the schema instead of doubling with each level of nesting, and a
 * {@code $ref} becomes a rule so that recursion can refer back to it.
 */
final class JsonRuleTable {
    private static final Pattern NOT_NAME = Pattern.compile("[^A-Za-z0-9]+");
    private static final Pattern EDGE_DASHES = Pattern.compile("^-|-$");

    private final Map<String, Expr> rules = new LinkedHashMap<>();
    private final Set<String> reserved = new HashSet<>();
    /** Rules made by {@link #share}, by content: a thousand properties of one schema lower once. */
    private final Map<Expr, Expr> shared = new HashMap<>();

    /** A fresh rule name from {@code hint}; define it before the compile ends. */
    String reserve(String hint) {
        String base = EDGE_DASHES.matcher(NOT_NAME.matcher(hint).replaceAll("-")).replaceAll("");
        if (base.isEmpty()) {
            base = "rule";
        }
        String name = base;
        for (int n = 2; !reserved.add(name); n++) {
            name = base + "-" + n;
        }
        return name;
    }

    void define(String name, Expr expr) {
        rules.put(name, expr);
    }

    /** {@code expr} itself when it is small, else a reference to the rule holding it (made on first use). */
    Expr share(String hint, Expr expr) {
        if (JsonExprs.isSmall(expr)) {
            return expr;
        }
        return shared.computeIfAbsent(expr, e -> {
            String name = reserve(hint);
            define(name, e);
            return new Expr.RuleRef(name);
        });
    }

    /**
     * The rules that can finish ({@link JsonFiniteRules}) and are reachable from {@code root}: a
     * branch that turned out unsatisfiable may have left rules behind that refer to a rule it never
     * defined.
     */
    GrammarSpec spec(String root) {
        Map<String, Expr> finite = JsonFiniteRules.of(rules, root);
        Map<String, Expr> reachable = new LinkedHashMap<>();
        Deque<String> pending = new ArrayDeque<>(List.of(root));
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (!reachable.containsKey(name)) {
                Expr expr = finite.get(name);
                reachable.put(name, expr);
                collectRefs(expr, pending);
            }
        }
        return new GrammarSpec(reachable, root);
    }

    private static void collectRefs(Expr expr, Deque<String> into) {
        if (expr instanceof Expr.RuleRef ref) {
            into.push(ref.name());
        } else if (expr instanceof Expr.Seq seq) {
            seq.parts().forEach(part -> collectRefs(part, into));
        } else if (expr instanceof Expr.Alt alt) {
            alt.options().forEach(option -> collectRefs(option, into));
        } else if (expr instanceof Expr.Repeat repeat) {
            collectRefs(repeat.body(), into);
        }
    }
}
