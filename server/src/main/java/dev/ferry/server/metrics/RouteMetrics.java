package dev.ferry.server.metrics;

import dev.ferry.server.routing.RouteReport;
import dev.ferry.server.routing.Routing;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The router's decisions for Prometheus: requests per route, serving (or, when rejected, chosen)
 * model and outcome; and per complexity route, the learned scorer's state and chosen trade-off (as
 * {@code GET /v1/routes}). Labels stay few: routes and candidates come from routes.properties.
 */
public final class RouteMetrics implements MultiCollector {
    private final Routing routing;

    public RouteMetrics(Routing routing) {
        this.routing = routing;
    }

    @Override
    public MetricSnapshots collect() {
        Map<Labels, Long> points = new LinkedHashMap<>();
        routing.stats().snapshot().forEach((k, n) -> points.put(Labels.of("route", k.route(), "model", k.model(),
                "outcome", k.outcome().name().toLowerCase(Locale.ROOT)), n));
        List<RouteReport> complexity = routing.reports().stream().filter(r -> r.scorer() != null).toList();
        return MetricSnapshots.of(Snapshots.counter("ferry_route_requests", "Requests a route sent to a model: "
                        + "chosen, fallback (an earlier candidate could not take it) or rejected", points),
                gauge(complexity, "ferry_route_learned", "1 while the route's learned scorer decides, 0 while the "
                        + "length heuristic does (until min-shadows)", r -> "learned".equals(r.scorer()) ? 1 : 0),
                gauge(complexity, "ferry_route_shadows_seen", "Shadowed requests the route's learned scorer received",
                        RouteReport::shadowsSeen),
                gauge(complexity, "ferry_route_threshold", "Predicted agreement above which the route serves small",
                        RouteReport::threshold),
                gauge(complexity, "ferry_route_fraction_small", "Share of shadowed traffic the threshold sends small",
                        RouteReport::fractionSmall),
                gauge(complexity, "ferry_route_estimated_agreement",
                        "Mean observed agreement with the large tier of what the threshold sends small (held out)",
                        RouteReport::estimatedAgreement),
                gauge(complexity, "ferry_route_cost_saved", "fraction_small * (1 - small-cost): share of the all-large "
                        + "cost saved", RouteReport::costSaved));
    }

    /** One point per route that has the value; a route on the heuristic has no threshold. */
    private static MetricSnapshot gauge(List<RouteReport> reports,
            String name, String help, Function<RouteReport, Number> value) {
        Map<Labels, Number> points = new LinkedHashMap<>();
        for (RouteReport r : reports) {
            Number v = value.apply(r);
            if (v != null) {
                points.put(Labels.of("route", r.route()), v);
            }
        }
        return Snapshots.gauge(name, help, points);
    }
}
