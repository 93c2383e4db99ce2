package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PercentileRatioTest {

    @Test
    void percentilesAreNearestRank() {
        long[] v = {50, 10, 40, 20, 30, 60, 70, 80, 90, 100};
        assertEquals(100, PercentileRatio.percentile(v, 95));
        assertEquals(50, PercentileRatio.percentile(v, 50));
        assertEquals(10, PercentileRatio.percentile(v, 1));
    }

    @Test
    void theIntervalHoldsTheTrueRatioAndNarrowsWithMoreSamples() {
        double[] small = interval(300);
        double[] large = interval(30_000);
        for (double[] i : new double[][] {small, large}) {
            assertTrue(i[0] < 1.10 && 1.10 < i[1], i[0] + ".." + i[1]);
        }
        assertTrue(large[1] - large[0] < (small[1] - small[0]) / 3, "a hundredfold sample narrows it about tenfold");
    }

    /** The interval of the p95 ratio of two exponential samples whose scales differ by 10%. */
    private static double[] interval(int n) {
        SplittableRandom random = new SplittableRandom(3);
        long[] base = new long[n];
        long[] slower = new long[n];
        for (int i = 0; i < n; i++) {
            base[i] = Math.round(-1000 * Math.log(1 - random.nextDouble()));
            slower[i] = Math.round(-1100 * Math.log(1 - random.nextDouble()));
        }
        return PercentileRatio.interval(base, slower, 95, 0.95, 5);
    }
}
