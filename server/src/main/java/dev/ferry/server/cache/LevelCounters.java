package dev.ferry.server.cache;

import dev.ferry.server.api.CacheOutcome;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Per cache level (L1 in-process, L2 Redis, L3 the results database): lookups that hit, lookups that
 * reached the level and missed, and the latency of a hit from the start of the lookup, so the
 * metrics show what each level costs the request it answers.
 */
public final class LevelCounters {
    static final List<CacheOutcome> LEVELS = List.of(CacheOutcome.L1, CacheOutcome.L2, CacheOutcome.L3);

    /**
     * A copy, keyed by level.
     *
     * @param hitMicros hit latencies in microseconds
     */
    public record Snapshot(Map<CacheOutcome, Long> hits, Map<CacheOutcome, Long> misses,
                           Map<CacheOutcome, Histogram> hitMicros) {
        public long hits(CacheOutcome level) {
            return hits.getOrDefault(level, 0L);
        }

        /** Hits at every level together. */
        public long allHits() {
            return hits.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Map<CacheOutcome, LongAdder> hits = new EnumMap<>(CacheOutcome.class);
    private final Map<CacheOutcome, LongAdder> misses = new EnumMap<>(CacheOutcome.class);
    private final Map<CacheOutcome, Histogram> hitMicros = new EnumMap<>(CacheOutcome.class);

    LevelCounters() {
        for (CacheOutcome level : LEVELS) {
            hits.put(level, new LongAdder());
            misses.put(level, new LongAdder());
            hitMicros.put(level, new ConcurrentHistogram(3));
        }
    }

    /** {@code n} hits at {@code level} from one lookup that started at {@code startNanos}. */
    void hit(CacheOutcome level, int n, long startNanos) {
        if (n > 0) {
            hits.get(level).add(n);
            hitMicros.get(level).recordValue(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos));
        }
    }

    void missed(CacheOutcome level, int n) {
        misses.get(level).add(n);
    }

    Snapshot snapshot() {
        Map<CacheOutcome, Long> h = new EnumMap<>(CacheOutcome.class);
        Map<CacheOutcome, Long> m = new EnumMap<>(CacheOutcome.class);
        Map<CacheOutcome, Histogram> lat = new EnumMap<>(CacheOutcome.class);
        for (CacheOutcome level : LEVELS) {
            h.put(level, hits.get(level).sum());
            m.put(level, misses.get(level).sum());
            lat.put(level, hitMicros.get(level).copy());
        }
        return new Snapshot(h, m, lat);
    }
}
