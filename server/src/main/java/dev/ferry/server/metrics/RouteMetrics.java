package dev.ferry.server.metrics;

import dev.ferry.server.routing.RouteStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The router's decisions for Prometheus: requests per route, serving (or, when rejected, chosen)
 * model and outcome. Labels stay few: routes and candidates come from routes.properties.
 */
public final class RouteMetrics implements MultiCollector {
    private final RouteStats stats;

    public RouteMetrics(RouteStats stats) {
        this.stats = stats;
    }

    @Override
    public MetricSnapshots collect() {
        Map<Labels, Long> points = new LinkedHashMap<>();
        stats.snapshot().forEach((k, n) -> points.put(Labels.of("route", k.route(), "model", k.model(), "outcome",
                k.outcome().name().toLowerCase(Locale.ROOT)), n));
        return MetricSnapshots.of(Snapshots.counter("ferry_route_requests",
                "Requests a route sent to a model: chosen, fallback (an earlier candidate could not take it) or rejected",
                points));
    }
}
