package dev.ferry.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.engine.metrics.EngineMetrics.Dist;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

    @Test
    void intervalsAndSnapshotsBothSeeEveryValue() {
        EngineMetrics m = new EngineMetrics();
        m.record(Dist.TTFT_US, 50);
        Histogram first = new Histogram(2);
        m.moveInterval(this, Dist.TTFT_US, first);
        assertEquals(1, first.getTotalCount(), "the first interval has everything recorded before it");
        m.record(Dist.TTFT_US, 100);
        m.record(Dist.TTFT_US, 200);
        assertEquals(3, m.snapshot().histogram(Dist.TTFT_US).getTotalCount()); // a scrape between two intervals

        Histogram second = new Histogram(2);
        m.moveInterval(this, Dist.TTFT_US, second);
        assertEquals(2, second.getTotalCount(), "the scrape took nothing from the interval");
        assertEquals(200, second.getMaxValue(), 2);

        m.record(Dist.TTFT_US, 300);
        Histogram third = new Histogram(2);
        m.moveInterval(this, Dist.TTFT_US, third);
        assertEquals(1, third.getTotalCount(), "an interval holds only what came after the previous one");
        assertEquals(4, m.snapshot().histogram(Dist.TTFT_US).getTotalCount());
    }

    @Test
    void eachReaderHasItsOwnIntervals() {
        EngineMetrics m = new EngineMetrics();
        Object slo = new Object();
        Object anomaly = new Object();
        m.record(Dist.TTFT_US, 50);
        Histogram first = new Histogram(2);
        m.moveInterval(slo, Dist.TTFT_US, first);
        m.record(Dist.TTFT_US, 60);
        Histogram other = new Histogram(2);
        m.moveInterval(anomaly, Dist.TTFT_US, other);
        assertEquals(2, other.getTotalCount(), "a second reader starts from everything, not from the first's interval");
        Histogram second = new Histogram(2);
        m.moveInterval(slo, Dist.TTFT_US, second);
        assertEquals(1, second.getTotalCount(), "the other reader took nothing from this one's interval");
    }
}
