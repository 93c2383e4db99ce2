package dev.ferry.bench.load;

import java.time.Duration;

/**
 * How one run sends its requests: open loop at {@code rate} (Poisson) or closed loop at
 * {@code concurrency}, exactly one of the two; a warm-up whose requests are not counted; then
 * {@code duration} or {@code requests} measured requests (whichever ends first when both are
 * set); and how long to wait for answers once sending stops before the rest count as unanswered.
 */
record LoadPlan(Double rate, Integer concurrency, Duration warmup, Duration duration, Integer requests,
                Duration drainTimeout, long seed) {
    LoadPlan {
        if ((rate == null) == (concurrency == null)) {
            throw new IllegalArgumentException("give one of --rate (open loop), --concurrency (closed loop) or --sweep");
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

    Arrivals arrivals(long start) {
        return rate != null ? new Arrivals.Poisson(rate, seed, start) : new Arrivals.Closed(concurrency);
    }
}
