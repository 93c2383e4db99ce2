package dev.ferry.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * The in-process level: answers kept as objects (a hit replays without decoding), bounded by an
 * estimate of the heap they hold and expired a fixed time after they were stored.
 */
final class LocalResponseCache {
    private final Cache<ResponseKey, CachedResponse> cache;

    LocalResponseCache(long maxBytes, Duration ttl) {
        cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((ResponseKey k, CachedResponse v) -> k.weightBytes() + v.weightBytes())
                .expireAfterWrite(ttl)
                .build();
    }

    CachedResponse get(ResponseKey key) {
        return cache.getIfPresent(key);
    }

    void put(ResponseKey key, CachedResponse value) {
        cache.put(key, value);
    }

    /** The weight of what is held now, after pending evictions ran. */
    long weightBytes() {
        cache.cleanUp();
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }
}
