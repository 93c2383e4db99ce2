package dev.ferry.server.routing;

import dev.ferry.store.config.ServingConfig.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Decides where a route sends a request, from the request's {@link RouteInput} and the candidates'
 * tiers; pure, so every decision can be replayed in a test. Whether the chosen model can take the
 * request is the server's to find out: it tries the decision's order.
 */
public final class Router {
    private final ComplexityScorer scorer;

    public Router(ComplexityScorer scorer) {
        this.scorer = scorer;
    }

    /** With the default {@link LengthHeuristic}. */
    public Router() {
        this(new LengthHeuristic());
    }

    /** @param tiers each candidate's tier (ferry.properties), null where unknown or unset */
    public RouteDecision decide(RouteConfig route, RouteInput input, Function<String, Tier> tiers) {
        if (route.policy() == RouteConfig.Policy.FALLBACK) {
            return decision(route, route.candidates(), "policy fallback: the first candidate of "
                    + String.join(",", route.candidates()));
        }
        ComplexityScorer.Score score = scorer.score(input, route);
        boolean complex = score.value() >= route.cut();
        Tier want = complex ? Tier.LARGE : Tier.SMALL;
        List<String> order = new ArrayList<>();
        route.candidates().stream().filter(c -> tiers.apply(c) == want).forEach(order::add);
        boolean found = !order.isEmpty();
        route.candidates().stream().filter(c -> tiers.apply(c) != want).forEach(order::add);
        String reason = "complexity " + format(score.value()) + " (" + score.why() + ") "
                + (complex ? ">=" : "<") + " " + format(route.cut()) + ": "
                + (complex ? "complex" : "simple") + " -> " + want.name().toLowerCase(Locale.ROOT) + " tier"
                + (found ? "" : ", which no candidate has");
        return decision(route, order, reason);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static RouteDecision decision(RouteConfig route, List<String> order, String reason) {
        return new RouteDecision(route.name(), order.get(0), order.subList(1, order.size()), reason);
    }
}
