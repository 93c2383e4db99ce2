package dev.ferry.server.cache;

import java.time.Duration;

/**
 * How deterministic answers are cached.
 *
 * @param maxBytes heap the in-process cache may hold (an estimate per answer)
 * @param ttl how long an answer is reused, in-process and in Redis
 * @param redisUrl {@code redis://host:port} of a Redis shared by several instances; null for none
 */
public record ResponseCacheConfig(boolean enabled, long maxBytes, Duration ttl, String redisUrl) {

    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final ResponseCacheConfig DEFAULTS = new ResponseCacheConfig(true, DEFAULT_MAX_BYTES, DEFAULT_TTL, null);
    public static final ResponseCacheConfig DISABLED = new ResponseCacheConfig(false, DEFAULT_MAX_BYTES, DEFAULT_TTL, null);

    public ResponseCacheConfig {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("response cache size must be positive, got " + maxBytes);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("response cache TTL must be positive, got " + ttl);
        }
        if (redisUrl != null && !redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw new IllegalArgumentException("Redis URL must look like redis://host:port, got '" + redisUrl + "'");
        }
    }

    public ResponseCacheConfig withRedis(String url) {
        return new ResponseCacheConfig(enabled, maxBytes, ttl, url);
    }
}
