package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps only the parts of a grammar that can finish. A recursive schema can require itself (a
 * required property, or minItems, leading back into its own schema): no finite value satisfies
 * that branch, and a sampler that entered it would write until max_tokens. Such options are
 * taken out of their alternations; when the root itself cannot finish, the schema is refused.
 */
final class JsonFiniteRules {
    private final Map<String, Expr> rules;
    private final Set<String> finite = new HashSet<>();

    private JsonFiniteRules(Map<String, Expr> rules) {
        this.rules = rules;
    }

    /** The rules less the options that never finish; rules that never finish are left out. */
    static Map<String, Expr> of(Map<String, Expr> rules, String root) {
        JsonFiniteRules pruning = new JsonFiniteRules(rules);
        pruning.findFinite();
        if (!pruning.finite.contains(root)) {
            throw new GrammarException("unsatisfiable schema: no value is finite (a required property or minItems"
                    + " leads back into its own schema every way round)");
        }
        Map<String, Expr> kept = new LinkedHashMap<>();
        rules.forEach((name, expr) -> {
            if (pruning.finite.contains(name)) {
                kept.put(name, pruning.prune(expr));
            }
        });
        return kept;
    }

    /** The rules that match some finite text, to a fixed point. */
    private void findFinite() {
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<String, Expr> rule : rules.entrySet()) {
                if (!finite.contains(rule.getKey()) && canFinish(rule.getValue())) {
                    finite.add(rule.getKey());
                    grew = true;
                }
            }
        }
    }

    private boolean canFinish(Expr expr) {
        if (expr instanceof Expr.Seq seq) {
            return seq.parts().stream().allMatch(this::canFinish);
        }
        if (expr instanceof Expr.Alt alt) {
            return alt.options().stream().anyMatch(this::canFinish);
        }
        if (expr instanceof Expr.Repeat repeat) {
            return repeat.min() == 0 || canFinish(repeat.body());
        }
        if (expr instanceof Expr.RuleRef ref) {
            return finite.contains(ref.name());
        }
        return true; // literals, classes and patterns match finite text
    }

    private Expr prune(Expr expr) {
        if (expr instanceof Expr.Seq seq) {
            return new Expr.Seq(seq.parts().stream().map(this::prune).toList());
        }
        if (expr instanceof Expr.Alt alt) {
            List<Expr> options = new ArrayList<>();
            alt.options().stream().filter(this::canFinish).forEach(option -> options.add(prune(option)));
            return JsonExprs.alt(options);
        }
        if (expr instanceof Expr.Repeat repeat) {
            return canFinish(repeat.body()) ? new Expr.Repeat(prune(repeat.body()), repeat.min(), repeat.max()) : JsonExprs.EMPTY;
        }
        return expr;
    }
}
