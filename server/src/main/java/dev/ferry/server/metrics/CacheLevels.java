package dev.ferry.server.metrics;

import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.cache.ResultsStore;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The cache levels' figures as Prometheus labels ({@code level="l1|l2|l3"}), and the results database's own. */
final class CacheLevels {
    private CacheLevels() {
    }

    static <V> Map<Labels, V> perLevel(Map<CacheOutcome, V> values) {
        Map<Labels, V> points = new TreeMap<>();
        values.forEach((level, v) -> points.put(Labels.of("level", level.header()), v));
        return points;
    }

    static List<MetricSnapshot> resultsStore(ResultsStore.Stats s) {
        return List.of(
                Snapshots.gauge("ferry_results_db_up", "1 while the results database (L3) answers",
                        Map.of(Labels.EMPTY, s.up() ? 1 : 0)),
                Snapshots.counter("ferry_results_db_errors", "Results-database calls that failed or timed out",
                        Map.of(Labels.EMPTY, s.errors())),
                Snapshots.counter("ferry_results_db_writes", "Results written to the results database",
                        Map.of(Labels.EMPTY, s.writes())),
                Snapshots.counter("ferry_results_db_dropped_writes", "Results not written: the write queue was full "
                        + "or the database unavailable", Map.of(Labels.EMPTY, s.droppedWrites())));
    }
}
