package dev.ferry.server.routing;

/**
 * The transparent default scorer: the larger of prompt tokens over the route's
 * {@code complexity.prompt-tokens} and requested max_tokens over its {@code complexity.max-tokens}.
 * Either one reaching its threshold makes a request complex: a long prompt costs prefill, a long
 * answer asks for sustained quality. A request that does not say max_tokens is judged by its prompt.
 */
public final class LengthHeuristic implements ComplexityScorer {
    @Override
    public Score score(RouteInput in, RouteConfig route) {
        double prompt = (double) in.promptTokens() / route.promptTokens();
        double output = in.maxTokens() == null ? 0 : (double) in.maxTokens() / route.maxTokens();
        String why = "prompt " + in.promptTokens() + "/" + route.promptTokens() + " tokens"
                + (in.maxTokens() == null ? "" : ", max_tokens " + in.maxTokens() + "/" + route.maxTokens());
        return new Score(Math.max(prompt, output), why);
    }
}
