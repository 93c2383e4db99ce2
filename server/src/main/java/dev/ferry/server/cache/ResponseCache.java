package dev.ferry.server.cache;

import dev.ferry.server.api.CacheOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response cache of deterministic requests, level by level: in-process (L1), then Redis (L2)
 * when one is configured, then the results database (L3) when there is one; an answer found at a
 * level is kept at the levels above it. Counts what each level does for the metrics. Thread-safe.
 */
public final class ResponseCache implements AutoCloseable {
    /**
     * What the cache did since it opened.
     *
     * @param misses lookups no level answered
     * @param l1Bytes heap the in-process answers hold (estimated)
     * @param redisUp whether Redis is configured and answering
     * @param levels hits, misses and hit latency per level
     */
    public record Stats(long misses, long stores, long redisErrors, boolean redisUp, long l1Bytes,
                        LevelCounters.Snapshot levels) {
        public long l1Hits() {
            return levels.hits(CacheOutcome.L1);
        }

        public long l2Hits() {
            return levels.hits(CacheOutcome.L2);
        }
    }

    /**
     * A lookup's answer.
     *
     * @param response the stored answer; null on a miss
     * @param outcome the level that answered, or MISS
     */
    public record Lookup(CachedResponse response, CacheOutcome outcome) {
        static final Lookup MISSED = new Lookup(null, CacheOutcome.MISS);
    }

    private final LocalResponseCache local;
    private final RedisResponseCache shared;
    private final ResultsStore stored;
    private final LevelCounters levels = new LevelCounters();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();

    private ResponseCache(LocalResponseCache local, RedisResponseCache shared, ResultsStore stored) {
        this.local = local;
        this.shared = shared;
        this.stored = stored;
    }

    /** Opens the levels {@code config} asks for; Redis is connected in the background. No results database. */
    public static ResponseCache open(ResponseCacheConfig config) {
        return open(config, null);
    }

    /** @param stored the results database (L3), shared with the embedding cache and closed by its owner; null for none */
    public static ResponseCache open(ResponseCacheConfig config, ResultsStore stored) {
        return new ResponseCache(new LocalResponseCache(config.maxBytes(), config.ttl()),
                config.redisUrl() == null ? null : new RedisResponseCache(config.redisUrl(), config.ttl()), stored);
    }

    /**
     * The cached answer and the level that held it. The future is already complete after an
     * in-process hit and when there is no other level to ask (or they are down); otherwise it
     * completes within Redis's and the database's timeouts. Never completes exceptionally.
     */
    public CompletableFuture<Lookup> get(ResponseKey key) {
        long start = System.nanoTime();
        CachedResponse hit = local.get(key);
        if (hit != null) {
            levels.hit(CacheOutcome.L1, 1, start);
            return CompletableFuture.completedFuture(new Lookup(hit, CacheOutcome.L1));
        }
        levels.missed(CacheOutcome.L1, 1);
        if (shared == null) {
            return fromStore(key, start);
        }
        return shared.get(key).thenCompose(r -> {
            if (r == null) {
                levels.missed(CacheOutcome.L2, 1);
                return fromStore(key, start);
            }
            levels.hit(CacheOutcome.L2, 1, start);
            local.put(key, r);
            return CompletableFuture.completedFuture(new Lookup(r, CacheOutcome.L2));
        });
    }

    private CompletableFuture<Lookup> fromStore(ResponseKey key, long start) {
        if (stored == null) {
            misses.increment();
            return CompletableFuture.completedFuture(Lookup.MISSED);
        }
        return stored.get(key.redisKey()).thenApply(bytes -> {
            CachedResponse r = bytes == null ? null : RedisResponseCache.decode(key, bytes);
            if (r == null) {
                levels.missed(CacheOutcome.L3, 1);
                misses.increment();
                return Lookup.MISSED;
            }
            levels.hit(CacheOutcome.L3, 1, start);
            local.put(key, r);
            if (shared != null) {
                shared.put(key, bytes);
            }
            return new Lookup(r, CacheOutcome.L3);
        });
    }

    /** Keeps {@code value} at every level: in-process now, Redis and the database in the background. */
    public void put(ResponseKey key, CachedResponse value) {
        stores.increment();
        local.put(key, value);
        if (shared != null || stored != null) {
            byte[] bytes = ResponseCodec.encode(value);
            if (shared != null) {
                shared.put(key, bytes);
            }
            if (stored != null) {
                stored.put(key.redisKey(), bytes);
            }
        }
    }

    /** Keeps the answer of a request that missed, to store it when it completes. */
    public ResponseRecording recording(ResponseKey key, boolean logprobs) {
        return new ResponseRecording(this, key, logprobs);
    }

    public Stats stats() {
        return new Stats(misses.sum(), stores.sum(), shared == null ? 0 : shared.errors(),
                shared != null && shared.isUp(), local.weightBytes(), levels.snapshot());
    }

    @Override
    public void close() {
        if (shared != null) {
            shared.close();
        }
    }
}
