package dev.ferry.server.routing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks which of a route's small-tier requests are shadowed, by a counter rather than chance: of the
 * first n requests, exactly floor(n * rate) are picked, spread evenly (at rate 0.25, every fourth).
 * So a test, or an operator reading the counts, sees the configured rate, not a sample of it.
 */
final class ShadowSampler {
    private final Map<String, AtomicLong> seen = new ConcurrentHashMap<>();

    /** Counts one small-tier request of {@code route}; true when it is to be shadowed. */
    boolean pick(String route, double rate) {
        if (rate <= 0) {
            return false;
        }
        long n = seen.computeIfAbsent(route, r -> new AtomicLong()).incrementAndGet();
        return Math.floor(n * rate) > Math.floor((n - 1) * rate);
    }
}
