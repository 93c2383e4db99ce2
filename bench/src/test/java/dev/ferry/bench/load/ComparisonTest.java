package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComparisonTest {

    @Test
    void aRunHoldsAgainstItself() {
        LoadResult r = result(2.0, 1.5, 100);
        assertTrue(Comparison.of(r, r, 0.10).regressions().isEmpty());
    }

    @Test
    void lowerThroughputAndHigherLatencyBeyondTheAllowanceRegress() {
        LoadResult baseline = result(2.0, 1.5, 100);
        LoadResult current = result(1.7, 1.45, 105);
        List<String> regressed = Comparison.of(baseline, current, 0.10).regressions().stream()
                .map(Comparison.Delta::name).toList();
        // throughput fell 15% (over 10%); goodput 3.3% and latency 5% stay within it
        assertEquals(List.of("request_throughput", "output_tokens_per_second"), regressed);
        assertEquals(3, Comparison.of(baseline, result(2.0, 1.5, 125), 0.10).regressions().stream()
                .filter(d -> d.name().startsWith("ttft")).count());
    }

    @Test
    void betterFiguresNeverRegressAndMissingOnesAreSkipped() {
        LoadResult baseline = result(2.0, null, 100);
        Comparison c = Comparison.of(baseline, result(3.0, 2.0, 50), 0.0);
        assertTrue(c.regressions().isEmpty());
        assertTrue(c.deltas().stream().noneMatch(d -> d.name().equals("goodput")));
    }

    private static LoadResult result(double throughput, Double goodput, double latencyMs) {
        Percentiles p = new Percentiles(10, latencyMs, latencyMs * 1.5, latencyMs * 2, latencyMs * 3, latencyMs, latencyMs * 4);
        return new LoadResult(null, 10, 20, 20, 0, 0, 0, 0, Map.of(), 1280, throughput, throughput * 64, goodput, p, p, p,
                Percentiles.NONE, Percentiles.NONE);
    }
}
