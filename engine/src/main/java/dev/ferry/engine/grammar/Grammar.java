package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import java.nio.charset.StandardCharsets;

/**
 * A compiled grammar: a {@link GrammarSpec} lowered to byte-level rules, checked against its
 * {@link GrammarLimits}, with the states its matching reaches (computed and cached as they are
 * reached). Immutable apart from those caches, and safe to share between threads. Bind it to a
 * model's vocabulary with {@link TokenGrammar}.
 */
public final class Grammar {

    private final ParseStates states;

    private Grammar(ParseStates states) {
        this.states = states;
    }

    /**
     * Lowers {@code spec} within {@code limits}: in milliseconds for anything the limits admit, and
     * with a {@link GrammarException} naming the rule or pattern at fault for anything malformed,
     * left-recursive or past a limit.
     */
    public static Grammar compile(GrammarSpec spec, GrammarLimits limits) {
        ByteRules rules = Lowering.lower(spec, limits);
        LeftRecursion.check(rules, Lowering.userRuleCount(spec));
        return new Grammar(new ParseStates(rules, limits.maxStackDepth()));
    }

    /** Whether {@code text}, as a whole, is in the grammar's language (as its UTF-8 bytes). */
    public boolean matches(String text) {
        ParseState s = states.start();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            s = states.next(s, b & 0xFF);
            if (s == ParseState.DEAD) {
                return false;
            }
        }
        return s.accepting;
    }

    ParseStates states() {
        return states;
    }
}
