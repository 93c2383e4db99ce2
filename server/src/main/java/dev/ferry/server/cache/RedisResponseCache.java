package dev.ferry.server.cache;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared level: answers encoded with {@link ResponseCodec} under {@link ResponseKey#redisKey()}
 * with Redis's own expiry, so every instance pointed at the same Redis reuses them. A lookup
 * answers within 50 ms whatever Redis does; any failure is a miss.
 */
final class RedisResponseCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisResponseCache.class);
    /** Longer than a LAN round trip, shorter than anyone notices on a request that then runs anyway. */
    private static final Duration GET_TIMEOUT = Duration.ofMillis(50);

    private final RedisLink link;
    private final long ttlMillis;

    RedisResponseCache(String url, Duration ttl) {
        this.link = new RedisLink(url, GET_TIMEOUT);
        this.ttlMillis = ttl.toMillis();
    }

    /** The answer, or null when Redis has none, is down, fails or is slow; never completes exceptionally. */
    CompletableFuture<CachedResponse> get(ResponseKey key) {
        RedisAsyncCommands<String, byte[]> redis = link.commands();
        if (redis == null) {
            return CompletableFuture.completedFuture(null);
        }
        // a copy, so that the timeout completes our future and never Lettuce's own command
        return redis.get(key.redisKey()).toCompletableFuture().copy()
                .orTimeout(GET_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((bytes, e) -> {
                    if (e != null) {
                        link.failed(RedisLink.describe(e, GET_TIMEOUT));
                        return null;
                    }
                    link.succeeded();
                    return bytes == null ? null : decode(key, bytes);
                });
    }

    /** Stores {@link ResponseCodec}'s bytes in the background; a failure only counts. */
    void put(ResponseKey key, byte[] encoded) {
        RedisAsyncCommands<String, byte[]> redis = link.commands();
        if (redis != null) {
            redis.set(key.redisKey(), encoded, SetArgs.Builder.px(ttlMillis))
                    .whenComplete((ok, e) -> {
                        if (e != null) {
                            link.failed(RedisLink.describe(e, GET_TIMEOUT));
                        }
                    });
        }
    }

    boolean isUp() {
        return link.isUp();
    }

    long errors() {
        return link.errors();
    }

    /** {@link ResponseCodec}'s bytes as an answer; null for bytes of another version or corrupt ones. */
    static CachedResponse decode(ResponseKey key, byte[] bytes) {
        try {
            return ResponseCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            LOG.debug("ignoring unreadable cached response {}: {}", key, e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
