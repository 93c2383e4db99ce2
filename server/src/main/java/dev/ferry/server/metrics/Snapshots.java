package dev.ferry.server.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;

/** Counters and gauges for Prometheus from figures read at scrape time, one value per label set. */
final class Snapshots {
    private Snapshots() {
    }

    static MetricSnapshot counter(String name, String help, Map<Labels, ? extends Number> points) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach((labels, v) -> b.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
                .value(v.doubleValue()).build()));
        return b.build();
    }

    static MetricSnapshot gauge(String name, String help, Map<Labels, ? extends Number> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach((labels, v) -> b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                .value(v.doubleValue()).build()));
        return b.build();
    }
}
