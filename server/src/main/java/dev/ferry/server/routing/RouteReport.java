package dev.ferry.server.routing;

import java.util.List;

/**
 * A route as {@code GET /v1/routes} and {@code ferry.v1.Routing/ListRoutes} show it: how it decides now
 * and, once its learned scorer is in force, the trade-off it chose, estimated on held-out shadows.
 *
 * @param scorer {@code learned} or {@code heuristic} for a complexity route; null for a fallback route
 * @param shadowsSeen shadowed requests the route has received, earlier runs included
 * @param trainedOn shadows the scorer's latest fit used; it takes over from {@code minShadows} on
 * @param threshold predicted agreement above which a request goes small; null on the heuristic
 * @param fractionSmall the share of shadowed traffic the threshold sends small; null on the heuristic
 * @param estimatedAgreement the mean observed agreement of that share; null on the heuristic or when none goes small
 * @param costSaved {@code fractionSmall * (1 - smallCost)}; null on the heuristic or without {@code small-cost}
 */
public record RouteReport(String route, RouteConfig.Policy policy, List<String> candidates, String scorer,
                          long shadowsSeen, int trainedOn, int minShadows, double targetAgreement, Double threshold,
                          Double fractionSmall, Double estimatedAgreement, Double costSaved) {
    public RouteReport {
        candidates = List.copyOf(candidates);
    }
}
