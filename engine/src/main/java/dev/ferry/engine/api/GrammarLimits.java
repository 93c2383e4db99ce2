package dev.ferry.engine.api;

/**
 * Bounds that keep a hostile schema or grammar from costing more than milliseconds and megabytes
 * to compile, or from growing without bound while it is matched.
 *
 * @param maxSourceBytes the most bytes a schema, grammar or pattern text may have
 * @param maxDepth the deepest nesting of schema objects, grammar expressions or pattern groups
 * @param maxStates the most lowered grammar positions plus pattern automaton states
 * @param maxRepeat the largest bound a counted repetition ({@code {m,n}}, minLength, maxItems...) may expand to
 * @param maxStackDepth the deepest rule nesting matched text may reach (deeper nesting is not generated)
 */
public record GrammarLimits(int maxSourceBytes, int maxDepth, int maxStates, int maxRepeat, int maxStackDepth) {
    public static final GrammarLimits DEFAULTS = new GrammarLimits(64 * 1024, 64, 50_000, 1_000, 128);

    public GrammarLimits {
        if (maxSourceBytes <= 0 || maxDepth <= 0 || maxStates <= 0 || maxRepeat <= 0 || maxStackDepth <= 0) {
            throw new IllegalArgumentException("grammar limits must be positive");
        }
    }
}
