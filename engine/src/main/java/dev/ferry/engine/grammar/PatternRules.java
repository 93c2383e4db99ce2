package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
/**
 * Lowers an {@link Expr.Pattern}: the regular expression is parsed, built into a byte automaton,
 * made deterministic, and written as right-linear rules, one per automaton state: each edge is an
 * alternative "one byte of the edge's set, then the target state's rule", and an accepting state
 * also has the empty alternative.
 */
final class PatternRules {

    private PatternRules() {}

    /** Adds the pattern's rules to {@code rules}; returns its start rule. */
    static int add(Expr.Pattern pattern, GrammarLimits limits, ByteRules.Builder rules, String owner) {
        String label = RegexParser.describe(pattern.regex());
        Expr regular = RegexParser.parse(pattern.regex(), pattern.withinJsonString(), limits);
        // The NFA spells counted repetitions out, so it may be larger than the DFA it becomes; each
        // bound keeps the build within milliseconds and megabytes (with the defaults, a refusal
        // comes within about a hundred milliseconds, where ordinary patterns take a few).
        Nfa nfa = Nfa.of(regular, 4 * limits.maxStates(), label);
        Dfa dfa = Dfa.of(nfa, limits.maxStates(), 8 * limits.maxStates(), 160L * limits.maxStates(), label);
        if (dfa.stateCount() == 0) {
            throw new GrammarException(label + (pattern.withinJsonString()
                    ? ": matches no text that can stand unescaped inside a JSON string" : ": matches no text"));
        }
        int first = -1;
        String name = owner + "#pattern";    // one name for all its rules: a large automaton keeps one string
        for (int s = 0; s < dfa.stateCount(); s++) {
            int r = rules.newRule(name);
            first = s == 0 ? r : first;
        }
        rules.chargeStates(dfa.stateCount(), first);
        for (int s = 0; s < dfa.stateCount(); s++) {
            for (int e = 0; e < dfa.edgeCount(s); e++) {
                int t = dfa.edgeTarget(s, e);
                int bytes = rules.byteSet(dfa.edgeBytes(s, e));
                // A target that only accepts ends the pattern: no need to enter its rule.
                boolean ends = dfa.accepting(t) && dfa.edgeCount(t) == 0;
                rules.addAutomatonAlternative(first + s,
                        ends ? new int[] {bytes} : new int[] {bytes, ByteRules.Builder.ref(first + t)});
            }
            if (dfa.accepting(s)) {
                rules.addAutomatonAlternative(first + s, new int[0]);
            }
        }
        return first;
    }
}
