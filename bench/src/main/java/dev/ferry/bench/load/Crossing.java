package dev.ferry.bench.load;

import java.util.List;

/**
 * Where a sweep's p95 TTFT first rises above a threshold: the offered rate, linearly interpolated
 * between the last rate under the threshold and the first one over it.
 *
 * @param rate the interpolated rate; null when the threshold is not crossed between two sweep points
 * @param lastRateBelow the highest rate still under the threshold before it is crossed; null if the first is over
 * @param firstRateAbove the first rate over the threshold; null if none is
 */
record Crossing(double thresholdMs, Double rate, Double lastRateBelow, Double firstRateAbove) {

    /** @param points sweep results in increasing rate */
    static Crossing of(List<LoadResult> points, double thresholdMs) {
        Double belowRate = null;
        double belowValue = 0;
        for (LoadResult p : points) {
            double rate = p.setup().rate();
            double p95 = p.ttftMs().p95();
            if (p95 > thresholdMs) {
                Double crossing = belowRate == null ? null
                        : belowRate + (rate - belowRate) * (thresholdMs - belowValue) / (p95 - belowValue);
                return new Crossing(thresholdMs, crossing == null ? null : Math.round(crossing * 1000) / 1000.0,
                        belowRate, rate);
            }
            belowRate = rate;
            belowValue = p95;
        }
        return new Crossing(thresholdMs, null, belowRate, null);
    }

    String describe() {
        if (rate != null) {
            return String.format("p95 TTFT crosses %.0f ms at about %.3f req/s (between %.3f and %.3f)", thresholdMs, rate,
                    lastRateBelow, firstRateAbove);
        }
        return firstRateAbove != null
                ? String.format("p95 TTFT is over %.0f ms already at the lowest rate, %.3f req/s", thresholdMs, firstRateAbove)
                : String.format("p95 TTFT stays under %.0f ms up to %.3f req/s", thresholdMs, lastRateBelow);
    }
}
