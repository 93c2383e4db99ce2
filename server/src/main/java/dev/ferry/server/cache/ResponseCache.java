package dev.ferry.server.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response cache of deterministic requests: the in-process level first, then Redis when one is
 * configured; an answer found in Redis is kept in-process too. Counts what it does for the metrics.
 * Thread-safe.
 */
public final class ResponseCache implements AutoCloseable {
    /**
     * What the cache did since it opened.
     *
     * @param l1Bytes heap the in-process answers hold (estimated)
     * @param redisUp whether Redis is configured and answering
     */
    public record Stats(long l1Hits, long l2Hits, long misses, long stores, long redisErrors, boolean redisUp,
                        long l1Bytes) {}

    private final LocalResponseCache local;
    private final RedisResponseCache shared;
    private final LongAdder l1Hits = new LongAdder();
    private final LongAdder l2Hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();

    private ResponseCache(LocalResponseCache local, RedisResponseCache shared) {
        this.local = local;
        this.shared = shared;
    }

    /** Opens the levels {@code config} asks for; Redis is connected in the background. */
    public static ResponseCache open(ResponseCacheConfig config) {
        return new ResponseCache(new LocalResponseCache(config.maxBytes(), config.ttl()),
                config.redisUrl() == null ? null : new RedisResponseCache(config.redisUrl(), config.ttl()));
    }

    /**
     * The cached answer or null. The future is already complete after an in-process hit and when
     * there is no Redis to ask (or it is down); otherwise it completes within Redis's timeout.
     */
    public CompletableFuture<CachedResponse> get(ResponseKey key) {
        CachedResponse hit = local.get(key);
        if (hit != null) {
            l1Hits.increment();
            return CompletableFuture.completedFuture(hit);
        }
        if (shared == null) {
            misses.increment();
            return CompletableFuture.completedFuture(null);
        }
        return shared.get(key).thenApply(r -> {
            if (r == null) {
                misses.increment();
            } else {
                l2Hits.increment();
                local.put(key, r);
            }
            return r;
        });
    }

    public void put(ResponseKey key, CachedResponse value) {
        stores.increment();
        local.put(key, value);
        if (shared != null) {
            shared.put(key, value);
        }
    }

    /** Keeps the answer of a request that missed, to store it when it completes. */
    public ResponseRecording recording(ResponseKey key, boolean logprobs) {
        return new ResponseRecording(this, key, logprobs);
    }

    public Stats stats() {
        return new Stats(l1Hits.sum(), l2Hits.sum(), misses.sum(), stores.sum(),
                shared == null ? 0 : shared.errors(), shared != null && shared.isUp(), local.weightBytes());
    }

    @Override
    public void close() {
        if (shared != null) {
            shared.close();
        }
    }
}
