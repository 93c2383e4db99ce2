package dev.ferry.bench.load;

import java.time.Duration;

/**
 * How one run sends its requests: open loop at {@code rate} (Poisson), closed loop at
 * {@code concurrency}, or a burst of {@code burst} requests all due at once, exactly one of the
 * three; a warm-up whose requests are not counted; then
 * {@code duration} or {@code requests} measured requests (whichever ends first when both are
 * set); and how long to wait for answers once sending stops before the rest count as unanswered.
 */
record LoadPlan(Double rate, Integer concurrency, Integer burst, Duration warmup, Duration duration, Integer requests,
                Duration drainTimeout, long seed) {
    LoadPlan {
        if ((rate != null ? 1 : 0) + (concurrency != null ? 1 : 0) + (burst != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException(
                    "give one of --rate (open loop), --concurrency (closed loop), --burst or --sweep");
        }
        if (burst != null && burst < 1) {
            throw new IllegalArgumentException("--burst: expected at least 1 request, got " + burst);
        }
        if (rate != null && !(rate > 0)) {
            throw new IllegalArgumentException("--rate: expected requests per second > 0, got " + rate);
        }
        if (concurrency != null && concurrency < 1) {
            throw new IllegalArgumentException("--concurrency: expected at least 1, got " + concurrency);
        }
        if (duration == null && requests == null) {
            throw new IllegalArgumentException("give --duration or --requests");
        }
        if (requests != null && requests < 1) {
            throw new IllegalArgumentException("--requests: expected at least 1, got " + requests);
        }
    }

    /** A burst of {@code n} requests, measured from the first, each waited for up to {@code drainTimeout}. */
    static LoadPlan burst(int n, Duration drainTimeout, long seed) {
        return new LoadPlan(null, null, n, Duration.ZERO, null, n, drainTimeout, seed);
    }

    Arrivals arrivals(long start) {
        return rate != null ? new Arrivals.Poisson(rate, seed, start)
                : concurrency != null ? new Arrivals.Closed(concurrency) : new Arrivals.Burst();
    }
}
