package dev.ferry.engine.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one encoder batcher measures, read from any thread with {@link #snapshot()}: per-input queue
 * waits, batch sizes and forward times as HdrHistograms (a {@link Recorder} each, so recording never
 * blocks the batcher), counts of embeddings, batches and refusals, and embeddings per second over
 * the last {@link #RATE_WINDOW_S} seconds. Batches are packed, so there is no padding to measure.
 */
public final class EmbeddingMetrics {
    /** The recorded distributions, in microseconds unless named otherwise. */
    public enum Dist {
        /** Submit to the start of the batch that embeds the input. */
        QUEUE_WAIT_US,
        /** Inputs in a batch. */
        BATCH_SIZE,
        /** One batch's forward and pooling. */
        BATCH_US
    }

    public static final int RATE_WINDOW_S = 10;

    private final Map<Dist, Recorder> recorders = new EnumMap<>(Dist.class);
    private final Map<Dist, Histogram> accumulated = new EnumMap<>(Dist.class);
    private final LongAdder embeddings = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder refused = new LongAdder();
    /** Embeddings finished per second, in a ring indexed by the epoch second; {@link #stamps} says which second a slot holds. */
    private final AtomicLongArray perSecond = new AtomicLongArray(RATE_WINDOW_S + 1);
    private final AtomicLongArray stamps = new AtomicLongArray(RATE_WINDOW_S + 1);
    private volatile int queued;

    public EmbeddingMetrics() {
        for (Dist d : Dist.values()) {
            recorders.put(d, new Recorder(3));
            accumulated.put(d, new Histogram(3));
        }
    }

    public void record(Dist d, long value) {
        recorders.get(d).recordValue(Math.max(0, value));
    }

    /** A batch of {@code inputs} finished. */
    public void batch(int inputs, long nowMillis) {
        batches.increment();
        embeddings.add(inputs);
        long second = nowMillis / 1000;
        int i = (int) (second % perSecond.length());
        if (stamps.getAndSet(i, second) != second) {
            perSecond.set(i, 0);
        }
        perSecond.addAndGet(i, inputs);
    }

    public void refused() {
        refused.increment();
    }

    public void queued(int inputs) {
        queued = inputs;
    }

    /** Everything recorded so far. */
    public record Snapshot(Map<Dist, Histogram> histograms, long embeddings, long batches, long refused,
                           int queued, double embeddingsPerSecond) {

        public Histogram histogram(Dist d) {
            return histograms.get(d);
        }
    }

    public synchronized Snapshot snapshot(long nowMillis) {
        Map<Dist, Histogram> copies = new EnumMap<>(Dist.class);
        for (Dist d : Dist.values()) {
            accumulated.get(d).add(recorders.get(d).getIntervalHistogram());
            copies.put(d, accumulated.get(d).copy());
        }
        return new Snapshot(copies, embeddings.sum(), batches.sum(), refused.sum(), queued,
                rate(nowMillis / 1000));
    }

    public Snapshot snapshot() {
        return snapshot(System.currentTimeMillis());
    }

    /** Embeddings per second over the last full seconds of the window (the current one is still filling). */
    private double rate(long nowSecond) {
        long sum = 0;
        for (long s = nowSecond - RATE_WINDOW_S; s < nowSecond; s++) {
            int i = (int) (s % perSecond.length());
            if (stamps.get(i) == s) {
                sum += perSecond.get(i);
            }
        }
        return sum / (double) RATE_WINDOW_S;
    }
}
