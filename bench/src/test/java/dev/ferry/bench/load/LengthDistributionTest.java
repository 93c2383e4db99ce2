package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LengthDistributionTest {
    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void parsesTheThreeForms() {
        assertEquals(new LengthDistribution.Fixed(128), LengthDistribution.parse("--prompt-tokens", "128"));
        assertEquals(new LengthDistribution.Uniform(64, 256), LengthDistribution.parse("--prompt-tokens", "uniform:64:256"));
        assertEquals(new LengthDistribution.Normal(128, 32), LengthDistribution.parse("--prompt-tokens", "normal:128:32"));
    }

    @Test
    void refusesMalformedOrEmptyLengthsNamingTheOption() {
        for (String bad : new String[] {"0", "x", "uniform:9:3", "uniform:0:4", "normal:128", "poisson:3:4"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> LengthDistribution.parse("--output-tokens", bad));
            assertTrue(e.getMessage().startsWith("--output-tokens: expected"), e.getMessage());
        }
    }

    @Test
    void uniformStaysWithinItsBoundsAndReachesBoth() {
        var d = new LengthDistribution.Uniform(3, 6);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < 1000; i++) {
            int n = d.sample(random);
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        assertEquals(3, min);
        assertEquals(6, max);
    }

    @Test
    void normalHasItsMeanAndSpreadAndNeverGoesBelowOne() {
        var d = new LengthDistribution.Normal(128, 32);
        double sum = 0;
        double squares = 0;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            int v = d.sample(random);
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / n;
        assertEquals(128, mean, 1.5);
        assertEquals(32, Math.sqrt(squares / n - mean * mean), 1.5);
        for (int i = 0; i < 1000; i++) {
            assertTrue(new LengthDistribution.Normal(2, 10).sample(random) >= 1);
        }
    }
}
