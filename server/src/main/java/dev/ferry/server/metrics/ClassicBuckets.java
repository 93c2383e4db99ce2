package dev.ferry.server.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Prometheus classic-histogram buckets cut from an HdrHistogram at scrape time, so the engine loop
 * records into one lock-free structure and Prometheus still gets buckets it can aggregate across
 * instances and models.
 */
final class ClassicBuckets {
    /** Upper bounds in seconds for request-scale latencies (TTFT, queue wait, end to end). */
    static final double[] REQUEST_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
            60, 120};
    /** Upper bounds in seconds for refusals, which should take well under a millisecond. */
    static final double[] REFUSAL_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1};
    /** Upper bounds in seconds for cache lookups: in-process in microseconds, Redis and a database in milliseconds. */
    static final double[] LOOKUP_SECONDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25};
    /** Upper bounds in seconds for the time between two tokens. */
    static final double[] TOKEN_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
            0.5, 1, 2.5};

    private ClassicBuckets() {
    }

    /**
     * The count of each bucket, not cumulative (as Prometheus' model takes them), the last one
     * being +Inf. A recorded value goes to the first bucket whose bound is at or above the highest
     * value HdrHistogram may have stood for, so no latency is reported faster than it was.
     *
     * @param perUnit recorded values per unit of the bounds (1e6 for microseconds against seconds);
     *     dividing, unlike multiplying by 1e-6, puts a value of exactly 1000 us at exactly 0.001 s
     */
    static ClassicHistogramBuckets of(Histogram h, double[] upperBounds, double perUnit) {
        double[] bounds = new double[upperBounds.length + 1];
        System.arraycopy(upperBounds, 0, bounds, 0, upperBounds.length);
        bounds[upperBounds.length] = Double.POSITIVE_INFINITY;
        long[] counts = new long[bounds.length];
        int bucket = 0;
        for (HistogramIterationValue v : h.recordedValues()) { // ascending
            double value = v.getValueIteratedTo() / perUnit;
            while (value > bounds[bucket]) {
                bucket++;
            }
            counts[bucket] += v.getCountAtValueIteratedTo();
        }
        return ClassicHistogramBuckets.of(bounds, counts);
    }
}
