package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {

    @Test
    void aSecondLeavesTheWindowAfterWindowSecondsOfTicks() {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(3));
        w.tick(h -> h.recordValue(100));
        w.tick(h -> h.recordValue(200));
        w.tick(h -> h.recordValue(300));
        assertEquals(3, w.count());
        assertEquals(300, w.valueAtPercentile(100), 3);
        w.tick(h -> { });
        assertEquals(2, w.count(), "the first second is 3 s old and gone");
        assertEquals(200, w.valueAtPercentile(0), 2);
        w.tick(h -> { });
        w.tick(h -> { });
        assertEquals(0, w.count());
        assertTrue(Double.isNaN(w.valueAtPercentile(95)));
    }

    @Test
    void percentilesAreWithinOnePercent() {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(60));
        w.tick(h -> {
            for (int ms = 1; ms <= 100; ms++) {
                h.recordValue(ms * 1000L);
            }
        });
        w.tick(h -> h.recordValue(1_000_000)); // one slow request among 101
        assertEquals(96_000, w.valueAtPercentile(95), 960); // the 96th of 101 values
        assertEquals(1_000_000, w.valueAtPercentile(100), 10_000);
    }

    /** Past 60 s a slot holds several seconds; the window still keeps a value for its whole length. */
    @Test
    void aLongWindowKeepsSixtySlotsOfWholeSeconds() {
        SlidingWindow w = new SlidingWindow(Duration.ofSeconds(120));
        assertEquals(Duration.ofSeconds(120), w.span());
        w.tick(h -> h.recordValue(42));
        for (int t = 2; t <= 120; t++) {
            w.tick(h -> { });
            assertEquals(1, w.count(), "tick " + t);
        }
        w.tick(h -> { });
        assertEquals(0, w.count());
        assertEquals(Duration.ofSeconds(92), new SlidingWindow(Duration.ofSeconds(91)).span());
    }
}
