package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void promptsHaveLengthsFromTheirDistributionAndIdsInRange() {
        Workload w = new Workload(new LengthDistribution.Uniform(40, 100), new LengthDistribution.Fixed(16), 0.5, 500, 3);
        for (int i = 0; i < 100; i++) {
            BenchRequest r = w.next();
            assertTrue(r.promptIds().length >= 40 && r.promptIds().length <= 100);
            assertEquals(16, r.outputTokens());
            assertTrue(Arrays.stream(r.promptIds()).allMatch(id -> id >= 1 && id < 500));
        }
    }

    @Test
    void theSharedFractionOfEveryPromptIsTheSameAndTheRestIsItsOwn() {
        Workload w = new Workload(new LengthDistribution.Fixed(100), new LengthDistribution.Fixed(16), 0.5, 500, 3);
        int[] a = w.next().promptIds();
        int[] b = w.next().promptIds();
        assertArrayEquals(Arrays.copyOf(a, 50), Arrays.copyOf(b, 50));
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 50, 100), Arrays.copyOfRange(b, 50, 100)));
    }

    @Test
    void withoutASharedPrefixPromptsDifferFromTheFirstToken() {
        Workload w = new Workload(new LengthDistribution.Fixed(64), new LengthDistribution.Fixed(8), 0, 500, 3);
        int same = 0;
        for (int i = 0; i < 50; i++) {
            same += w.next().promptIds()[0] == w.next().promptIds()[0] ? 1 : 0;
        }
        assertTrue(same < 5, "first tokens mostly differ: " + same);
    }

    @Test
    void theSameSeedGivesTheSameRequests() {
        Workload a = new Workload(new LengthDistribution.Normal(64, 8), new LengthDistribution.Normal(32, 4), 0.25, 500, 9);
        Workload b = new Workload(new LengthDistribution.Normal(64, 8), new LengthDistribution.Normal(32, 4), 0.25, 500, 9);
        for (int i = 0; i < 10; i++) {
            BenchRequest x = a.next();
            BenchRequest y = b.next();
            assertArrayEquals(x.promptIds(), y.promptIds());
            assertEquals(x.outputTokens(), y.outputTokens());
        }
    }
}
