package dev.ferry.engine.metrics;

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

    private volatile double prefillTokensPerSecond;
    private volatile double decodeStepNanos;

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
