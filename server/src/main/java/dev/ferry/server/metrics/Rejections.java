package dev.ferry.server.metrics;

import dev.ferry.server.serving.ApiStatus;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Requests refused before they ran, by the model they were for (empty when unknown) and the status they got. */
final class Rejections {
    private record Key(String model, ApiStatus status) {}

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    /** @param model a model of the registry (never a name the client made up, so labels stay few), or null */
    void count(String model, ApiStatus status) {
        counts.computeIfAbsent(new Key(model == null ? "" : model, status), k -> new LongAdder()).increment();
    }

    MetricSnapshot snapshot() {
        Map<Labels, Long> points = new TreeMap<>();
        counts.forEach((k, n) -> points.put(Labels.of("model", k.model(), "reason",
                k.status().name().toLowerCase(Locale.ROOT)), n.sum()));
        return Snapshots.counter("ferry_requests_rejected", "Requests refused before they ran, by status", points);
    }
}
