package dev.ferry.server.metrics;

import dev.ferry.server.routing.ShadowStore;
import dev.ferry.server.routing.Shadows;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shadow evaluation for Prometheus: per route, the mean agreement and log-probability of the
 * scored pairs its store keeps (the latest ones, per complexity bucket too), how many were scored
 * and how many shed, by reason.
 */
public final class ShadowMetrics implements MultiCollector {
    private final Shadows shadows;

    public ShadowMetrics(Shadows shadows) {
        this.shadows = shadows;
    }

    @Override
    public MetricSnapshots collect() {
        Map<Labels, Double> agreement = new LinkedHashMap<>();
        Map<Labels, Double> logprob = new LinkedHashMap<>();
        Map<Labels, Double> buckets = new LinkedHashMap<>();
        shadows.store().byRoute().forEach((route, s) -> {
            agreement.put(Labels.of("route", route), s.agreement());
            logprob.put(Labels.of("route", route), s.meanLogprob());
            for (Map.Entry<String, ShadowStore.Summary> b : shadows.store().byBucket(route).entrySet()) {
                buckets.put(Labels.of("route", route, "bucket", b.getKey()), b.getValue().agreement());
            }
        });
        Map<Labels, Long> scored = new LinkedHashMap<>();
        shadows.scoredCounts().forEach((route, n) -> scored.put(Labels.of("route", route), n));
        Map<Labels, Long> shed = new LinkedHashMap<>();
        shadows.shedCounts().forEach((k, n) -> shed.put(Labels.of("route", k.route(), "reason", k.reason().wireName()), n));
        return MetricSnapshots.of(
                Snapshots.gauge("ferry_route_shadow_agreement", "Mean greedy-token agreement of the large tier with the "
                        + "small tier's answers, over the route's latest shadowed requests", agreement),
                Snapshots.gauge("ferry_route_shadow_logprob", "Mean log-probability the large tier gives the small "
                        + "tier's answer tokens, over the route's latest shadowed requests", logprob),
                Snapshots.gauge("ferry_route_shadow_bucket_agreement", "Mean agreement per complexity bucket (the "
                        + "length score's step, from its lower end)", buckets),
                Snapshots.counter("ferry_route_shadowed", "Small-tier answers the large tier scored", scored),
                Snapshots.counter("ferry_route_shadow_shed", "Shadows not run: queue_full (the route's shadow-queue), "
                        + "admission (the large tier refused batch work), unavailable, unscorable", shed));
    }
}
