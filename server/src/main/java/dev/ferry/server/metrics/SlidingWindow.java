package dev.ferry.server.metrics;

import java.time.Duration;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution over the last {@code window}, advanced once a second: a ring of at most
 * {@value #MAX_SLOTS} histograms (one second each, or whole seconds each for a window past
 * {@value #MAX_SLOTS} s, the window then rounded up to whole slots) and their running sum, from
 * which a slot leaving the window is subtracted. Two significant digits: percentiles within 1%.
 * Used by one thread.
 */
final class SlidingWindow {
    static final int MAX_SLOTS = 60;

    private final Histogram[] slots;
    private final int ticksPerSlot;
    private final Histogram sum = new Histogram(2);
    private final Histogram second = new Histogram(2);
    private int current;
    private long ticks;

    SlidingWindow(Duration window) {
        long seconds = Math.max(1, window.toSeconds());
        this.ticksPerSlot = (int) ((seconds + MAX_SLOTS - 1) / MAX_SLOTS);
        this.slots = new Histogram[(int) ((seconds + ticksPerSlot - 1) / ticksPerSlot)];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Histogram(2);
        }
    }

    /** One second passed: {@code fill} records what it brought; what left the window is dropped first. */
    void tick(Consumer<Histogram> fill) {
        if (ticks > 0 && ticks % ticksPerSlot == 0) {
            current = (current + 1) % slots.length;
            sum.subtract(slots[current]);
            slots[current].reset();
        }
        ticks++;
        second.reset();
        fill.accept(second);
        slots[current].add(second);
        sum.add(second);
    }

    /** Values in the window. */
    long count() {
        return sum.getTotalCount();
    }

    /** The value at {@code percentile} (0 to 100) of the window; NaN when it is empty. */
    double valueAtPercentile(double percentile) {
        return sum.getTotalCount() == 0 ? Double.NaN : sum.getValueAtPercentile(percentile);
    }

    /** The span the window covers once full. */
    Duration span() {
        return Duration.ofSeconds((long) slots.length * ticksPerSlot);
    }
}
