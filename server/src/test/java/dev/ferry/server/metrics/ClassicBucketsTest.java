package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ClassicBucketsTest {

    @Test
    void eachRecordedValueLandsInTheFirstBucketAtOrAboveIt() {
        Histogram h = new Histogram(3);
        h.recordValue(500); // microseconds
        h.recordValue(1000); // exactly the 1 ms bound: le="0.001" holds it
        h.recordValue(1001);
        h.recordValueWithCount(40_000, 3);
        h.recordValue(200_000_000); // 200 s: past every bound
        ClassicHistogramBuckets b = ClassicBuckets.of(h, ClassicBuckets.REQUEST_SECONDS, 1e6);

        assertEquals(ClassicBuckets.REQUEST_SECONDS.length + 1, b.size());
        assertEquals(Double.POSITIVE_INFINITY, b.getUpperBound(b.size() - 1));
        assertEquals(0.001, b.getUpperBound(0));
        assertEquals(2, b.getCount(0));
        assertEquals(1, b.getCount(1)); // le="0.0025"
        assertEquals(3, b.getCount(5)); // le="0.05"
        assertEquals(1, b.getCount(b.size() - 1));
        long total = 0;
        for (int i = 0; i < b.size(); i++) {
            total += b.getCount(i);
        }
        assertEquals(h.getTotalCount(), total);
    }

    @Test
    void anEmptyHistogramHasEmptyBuckets() {
        ClassicHistogramBuckets b = ClassicBuckets.of(new Histogram(3), ClassicBuckets.TOKEN_SECONDS, 1e6);
        for (int i = 0; i < b.size(); i++) {
            assertEquals(0, b.getCount(i));
        }
    }
}
