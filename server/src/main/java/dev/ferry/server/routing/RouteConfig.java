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
 * @param shadow which of the small tier's answers the large tier scores (policy complexity)
 * @param learning what the learned scorer aims at once shadows have trained it (policy complexity)
 */
public record RouteConfig(String name, List<String> candidates, Policy policy, int promptTokens, int maxTokens,
                          boolean allowFallback, double bias, Shadow shadow, Learning learning) {

    /**
     * Shadow evaluation of a complexity route.
     *
     * @param rate in [0, 1]: the fraction of requests the small tier serves whose answers the large tier scores
     * @param tokens how many of the answer's first tokens are scored
     * @param queue how many of the route's shadows may wait or run at once; more are shed
     */
    public record Shadow(double rate, int tokens, int queue) {
        public static final Shadow OFF = new Shadow(0, 32, 8);

        public Shadow {
            if (!(rate >= 0 && rate <= 1) || tokens < 1 || queue < 1) {
                throw new IllegalArgumentException("shadow rate must be in [0, 1], tokens and queue positive");
            }
        }
    }

    /** How a route orders its candidates. */
    public enum Policy {
        /** Simple requests to the small tier, complex ones to the large tier; the other tier is the fallback. */
        COMPLEXITY,
        /** The candidates in the order listed: each is the fallback of the one before. */
        FALLBACK
    }

    public static final int DEFAULT_PROMPT_TOKENS = 512;
    public static final int DEFAULT_MAX_TOKENS = 256;

    /**
     * The operator's side of the learned scorer's trade-off ({@link LearnedScorer}).
     *
     * @param targetAgreement in (0, 1]: the least estimated agreement with the large tier that traffic
     *     served small must keep; the threshold is chosen to serve as much small as this allows
     * @param minShadows shadowed requests a route needs before its learned scorer replaces the heuristic
     * @param smallCost in (0, 1]: what a request costs on the small tier as a fraction of the large tier
     *     (say the ratio of their parameter counts); null when unstated, and then no cost saving is estimated
     */
    public record Learning(double targetAgreement, int minShadows, Double smallCost) {
        public static final Learning DEFAULTS = new Learning(0.9, 200, null);
    }

    public RouteConfig {
        candidates = List.copyOf(candidates);
    }

    /** Without shadow evaluation, and with the default {@link Learning}. */
    public RouteConfig(String name, List<String> candidates, Policy policy, int promptTokens, int maxTokens,
                       boolean allowFallback, double bias) {
        this(name, candidates, policy, promptTokens, maxTokens, allowFallback, bias, Shadow.OFF, Learning.DEFAULTS);
    }

    /** The complexity score from which a request counts as complex: 1 moved by the bias. */
    public double cut() {
        return 1 - bias;
    }
}
