package dev.ferry.server.metrics;

import dev.ferry.server.api.ApiStatus;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Requests refused before they ran, by the model they were for (empty when unknown) and the status
 * they got; and how long the server took to refuse them, from the start of validation, so an
 * operator sees the server's own share of a refusal's round trip apart from the network's.
 */
final class Rejections {
    private record Key(String model, ApiStatus status) {}

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latencyMicros = new ConcurrentHashMap<>();

    /**
     * @param model a model of the registry (never a name the client made up, so labels stay few), or null
     * @param refusalNanos the time taken to refuse; negative when unknown
     */
    void count(String model, ApiStatus status, long refusalNanos) {
        String m = model == null ? "" : model;
        counts.computeIfAbsent(new Key(m, status), k -> new LongAdder()).increment();
        if (refusalNanos >= 0) {
            latencyMicros.computeIfAbsent(m, k -> new ConcurrentHistogram(3))
                    .recordValue(TimeUnit.NANOSECONDS.toMicros(refusalNanos));
        }
    }

    List<MetricSnapshot> snapshots() {
        Map<Labels, Long> points = new TreeMap<>();
        counts.forEach((k, n) -> points.put(Labels.of("model", k.model(), "reason",
                k.status().name().toLowerCase(Locale.ROOT)), n.sum()));
        Map<Labels, Histogram> latencies = new TreeMap<>();
        latencyMicros.forEach((model, h) -> latencies.put(Labels.of("model", model), h.copy()));
        return List.of(Snapshots.counter("ferry_requests_rejected", "Requests refused before they ran, by status", points),
                Snapshots.latency("ferry_request_refusal_seconds", "Start of validation to the refusal, server side",
                        latencies, ClassicBuckets.REFUSAL_SECONDS));
    }
}
