package dev.ferry.server.cache;

import java.time.Duration;

/**
 * How embeddings of repeated inputs are kept.
 *
 * @param maxBytes heap the in-process level may hold
 * @param ttl how long a vector is reused, in-process and in Redis
 * @param redisUrl {@code redis://host:port} of a Redis shared by several instances (the response
 *     cache's); null for none
 */
public record EmbeddingCacheConfig(boolean enabled, long maxBytes, Duration ttl, String redisUrl) {
    public static final long DEFAULT_MAX_BYTES = 128L << 20;
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final EmbeddingCacheConfig DEFAULTS = new EmbeddingCacheConfig(true, DEFAULT_MAX_BYTES, DEFAULT_TTL,
            null);
    public static final EmbeddingCacheConfig DISABLED = new EmbeddingCacheConfig(false, DEFAULT_MAX_BYTES, DEFAULT_TTL,
            null);

    public EmbeddingCacheConfig {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("embedding cache size must be positive, got " + maxBytes);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("embedding cache TTL must be positive, got " + ttl);
        }
        if (redisUrl != null && !redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw new IllegalArgumentException("Redis URL must look like redis://host:port, got '" + redisUrl + "'");
        }
    }

    public EmbeddingCacheConfig withRedis(String url) {
        return new EmbeddingCacheConfig(enabled, maxBytes, ttl, url);
    }
}
