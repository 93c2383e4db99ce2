package dev.ferry.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The ratio of one percentile of two samples, with a bootstrap confidence interval: each sample is
 * drawn again with replacement, at its own size, and the ratio recomputed. A p95 from a few thousand
 * latencies moves by several percent from run to run, so an overhead goal of a few percent needs its
 * interval beside it.
 */
final class PercentileRatio {
    private static final int RESAMPLES = 2000;

    private PercentileRatio() {
    }

    /** {@code percentile} (0-100) of {@code values}, nearest rank, as HdrHistogram and the reports take it. */
    static long percentile(long[] values, double percentile) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[rank(sorted.length, percentile)];
    }

    /** The central {@code confidence} interval (e.g. 0.95) of percentile(treated) / percentile(base). */
    static double[] interval(long[] base, long[] treated, double percentile, double confidence, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] ratios = new double[RESAMPLES];
        long[] a = new long[base.length];
        long[] b = new long[treated.length];
        for (int i = 0; i < RESAMPLES; i++) {
            draw(base, a, random);
            draw(treated, b, random);
            ratios[i] = (double) b[rank(b.length, percentile)] / a[rank(a.length, percentile)];
        }
        Arrays.sort(ratios);
        double tail = (1 - confidence) / 2;
        return new double[] {ratios[(int) Math.floor(tail * (RESAMPLES - 1))],
                ratios[(int) Math.ceil((1 - tail) * (RESAMPLES - 1))]};
    }

    /** Fills {@code into} with draws from {@code from}, sorted. */
    private static void draw(long[] from, long[] into, SplittableRandom random) {
        for (int i = 0; i < into.length; i++) {
            into[i] = from[random.nextInt(from.length)];
        }
        Arrays.sort(into);
    }

    private static int rank(int n, double percentile) {
        return Math.max(0, (int) Math.ceil(percentile / 100 * n) - 1);
    }
}
