package dev.ferry.bench.load;

import org.HdrHistogram.Histogram;

/** A latency distribution in milliseconds, read from a histogram recorded in microseconds. */
record Percentiles(long count, double p50, double p90, double p95, double p99, double mean, double max) {
    static final Percentiles NONE = new Percentiles(0, 0, 0, 0, 0, 0, 0);

    static Percentiles of(Histogram us) {
        if (us.getTotalCount() == 0) {
            return NONE;
        }
        return new Percentiles(us.getTotalCount(), ms(us.getValueAtPercentile(50)), ms(us.getValueAtPercentile(90)),
                ms(us.getValueAtPercentile(95)), ms(us.getValueAtPercentile(99)), ms(us.getMean()), ms(us.getMaxValue()));
    }

    /** Microseconds to milliseconds, kept to the microsecond. */
    private static double ms(double us) {
        return Math.round(us) / 1000.0;
    }
}
