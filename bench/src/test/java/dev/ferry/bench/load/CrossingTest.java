package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossingTest {

    @Test
    void interpolatesBetweenTheLastRateUnderAndTheFirstOver() {
        Crossing c = Crossing.of(List.of(point(1, 200), point(2, 600), point(4, 1400), point(8, 5000)), 1000);
        assertEquals(3.0, c.rate(), 1e-9);
        assertEquals(2.0, c.lastRateBelow());
        assertEquals(4.0, c.firstRateAbove());
    }

    @Test
    void saysWhenTheThresholdIsNeverCrossedOrCrossedFromTheStart() {
        Crossing never = Crossing.of(List.of(point(1, 200), point(2, 300)), 1000);
        assertNull(never.rate());
        assertEquals(2.0, never.lastRateBelow());
        assertEquals("p95 TTFT stays under 1000 ms up to 2.000 req/s", never.describe());
        Crossing already = Crossing.of(List.of(point(1, 2000), point(2, 3000)), 1000);
        assertNull(already.rate());
        assertEquals(1.0, already.firstRateAbove());
    }

    private static LoadResult point(double rate, double p95) {
        LoadResult.Setup s = new LoadResult.Setup("grpc://h:1", "m", rate, null, null, "128", "64", 0, 1, 1000.0, null);
        Percentiles ttft = new Percentiles(10, p95 / 2, p95 * 0.9, p95, p95 * 1.2, p95 / 2, p95 * 2);
        return new LoadResult(s, 10, 10, 10, 0, 0, 0, 0, Map.of(), 640, rate, rate * 64, rate, ttft, Percentiles.NONE,
                ttft, Percentiles.NONE, Percentiles.NONE);
    }
}
