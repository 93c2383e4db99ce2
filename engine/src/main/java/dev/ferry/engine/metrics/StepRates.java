package dev.ferry.engine.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Recent speed of one engine loop, for estimating how long a queued request waits: prompt tokens
 * prefilled per second (from steps that prefilled a meaningful chunk) and the time of a step that
 * only decoded. Exponentially weighted, so the figures follow load changes within a few steps.
 * Written by the loop, read from any thread.
 */
public final class StepRates {
    /** Steps with fewer prompt tokens say more about decode cost than about prefill speed. */
    private static final int MIN_PREFILL_TOKENS = 16;
    private static final double WEIGHT = 0.2;

    /** How often the completion rate is re-measured; shorter intervals hold too few completions. */
    private static final long COMPLETION_SAMPLE_NANOS = 500_000_000L;

    private volatile double prefillTokensPerSecond;
    private volatile double decodeStepNanos;
    private volatile int maxSequences;
    private volatile int running;
    private final LongAdder completions = new LongAdder();
    // guarded by this: the last sample of the completion rate
    private long sampledAt;
    private long sampledCompletions;
    private double completionsPerSecond;

    /** The loop's sequence slots ({@code max-num-seqs}); set once at start. */
    public void capacity(int maxSequences) {
        this.maxSequences = maxSequences;
    }

    /** Called by the loop with the sequences running after each iteration. */
    public void running(int n) {
        running = n;
    }

    /** Called by the loop when a request ends, freeing its slot. */
    public void completed() {
        completions.increment();
    }

    /** Sequence slots free now; requests beyond them wait for running ones to end. */
    public int freeSlots() {
        return maxSequences == 0 ? Integer.MAX_VALUE : Math.max(0, maxSequences - running);
    }

    /** Requests ended per second lately (0 until measured): how fast slots free up. */
    public synchronized double completionsPerSecond() {
        long now = System.nanoTime();
        long done = completions.sum();
        if (sampledAt == 0) {
            sampledAt = now;
            sampledCompletions = done;
        } else if (now - sampledAt >= COMPLETION_SAMPLE_NANOS) {
            completionsPerSecond = blend(completionsPerSecond, (done - sampledCompletions) * 1e9 / (now - sampledAt));
            sampledAt = now;
            sampledCompletions = done;
        }
        return completionsPerSecond;
    }

    /** Called by the loop after each step. */
    public void record(int prefillTokens, long stepNanos) {
        if (stepNanos <= 0) {
            return;
        }
        if (prefillTokens >= MIN_PREFILL_TOKENS) {
            prefillTokensPerSecond = blend(prefillTokensPerSecond, prefillTokens * 1e9 / stepNanos);
        } else if (prefillTokens == 0) {
            decodeStepNanos = blend(decodeStepNanos, stepNanos);
        }
    }

    private static double blend(double old, double sample) {
        return old == 0 ? sample : old + WEIGHT * (sample - old);
    }

    /** 0 until a prefill step has been seen. */
    public double prefillTokensPerSecond() {
        return prefillTokensPerSecond;
    }

    /** 0 until a decode-only step has been seen. */
    public long decodeStepNanos() {
        return (long) decodeStepNanos;
    }
}
