package dev.ferry.server.routing;

import java.util.List;

/**
 * One route of {@code routes.properties}: a name requests use in place of a model, the models it
 * may send them to, and how it picks.
 *
 * @param candidates model names or aliases, in the operator's order of preference
 * @param promptTokens the prompt length at which a request counts as complex (policy complexity)
 * @param maxTokens the requested output length at which a request counts as complex (policy complexity)
 * @param allowFallback whether a request that does not say may go to the next candidate when the
 *     chosen one cannot take it
 * @param bias in [-1, 1]: shifts the complexity cut; negative favours the small tier (cost),
 *     positive the large tier (quality)
 */
public record RouteConfig(String name, List<String> candidates, Policy policy, int promptTokens, int maxTokens,
                          boolean allowFallback, double bias) {

    /** How a route orders its candidates. */
    public enum Policy {
        /** Simple requests to the small tier, complex ones to the large tier; the other tier is the fallback. */
        COMPLEXITY,
        /** The candidates in the order listed: each is the fallback of the one before. */
        FALLBACK
    }

    public static final int DEFAULT_PROMPT_TOKENS = 512;
    public static final int DEFAULT_MAX_TOKENS = 256;

    public RouteConfig {
        candidates = List.copyOf(candidates);
    }

    /** The complexity score from which a request counts as complex: 1 moved by the bias. */
    public double cut() {
        return 1 - bias;
    }
}
