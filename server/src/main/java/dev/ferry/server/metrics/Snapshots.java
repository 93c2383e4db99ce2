package dev.ferry.server.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Counters, gauges and latency histograms for Prometheus from figures read at scrape time, one per label set. */
final class Snapshots {
    static final double MICROS_PER_SECOND = 1e6;

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

    /**
     * @param micros latencies recorded in microseconds, per label set
     * @param upperBounds bucket bounds in seconds ({@link ClassicBuckets})
     */
    static MetricSnapshot latency(String name, String help, Map<Labels, Histogram> micros, double[] upperBounds) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS);
        micros.forEach((labels, h) -> b.dataPoint(HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicBuckets.of(h, upperBounds, MICROS_PER_SECOND))
                .sum(h.getMean() * h.getTotalCount() / MICROS_PER_SECOND) // HdrHistogram keeps no exact sum
                .build()));
        return b.build();
    }

    /**
     * @param values recorded values per label set, scaled by {@code scale} into the exported unit
     * @param quantiles NaN while a histogram is empty, as Prometheus' own clients report it
     */
    static MetricSnapshot summary(String name, String help, Map<Labels, Histogram> values, double scale,
                                  double[] quantiles) {
        SummarySnapshot.Builder b = SummarySnapshot.builder().name(name).help(help);
        values.forEach((labels, h) -> {
            long count = h.getTotalCount();
            Quantiles.Builder q = Quantiles.builder();
            for (double quantile : quantiles) {
                q.quantile(new Quantile(quantile, count == 0 ? Double.NaN : h.getValueAtPercentile(quantile * 100) * scale));
            }
            // HdrHistogram keeps no exact sum; its mean is within 0.1%
            b.dataPoint(SummaryDataPointSnapshot.builder().labels(labels).count(count).sum(h.getMean() * count * scale)
                    .quantiles(q.build()).build());
        });
        return b.build();
    }
}
