package dev.ferry.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeddings of inputs seen before: an in-process level (Caffeine, bounded by the bytes its vectors
 * hold), then the Redis the response cache shares, looked up for all of a request's misses in one
 * MGET. Redis down, slow or failing only makes misses (its {@link RedisLink} warns once); a vector
 * found there is kept in-process too. Counts what it does for the metrics. Thread-safe.
 */
public final class EmbeddingCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingCache.class);
    /** As the response cache's: longer than a LAN round trip, shorter than a batch of embeddings. */
    private static final Duration GET_TIMEOUT = Duration.ofMillis(50);

    /**
     * What the cache did since it opened, counted per input.
     *
     * @param l1Bytes heap the in-process vectors hold (estimated)
     * @param redisUp whether Redis is configured and answering
     */
    public record Stats(long l1Hits, long l2Hits, long misses, long redisErrors, boolean redisUp, long l1Bytes) {
        public double hitRatio() {
            long lookups = l1Hits + l2Hits + misses;
            return lookups == 0 ? 0 : (double) (l1Hits + l2Hits) / lookups;
        }
    }

    private final Cache<EmbeddingKey, CachedEmbedding> local;
    private final RedisLink redis;
    private final long ttlMillis;
    private final LongAdder l1Hits = new LongAdder();
    private final LongAdder l2Hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    private EmbeddingCache(EmbeddingCacheConfig config) {
        this.local = Caffeine.newBuilder()
                .maximumWeight(config.maxBytes())
                .weigher((EmbeddingKey k, CachedEmbedding v) -> k.weightBytes() + v.weightBytes())
                .expireAfterWrite(config.ttl())
                .build();
        this.redis = config.redisUrl() == null ? null : new RedisLink(config.redisUrl(), GET_TIMEOUT);
        this.ttlMillis = config.ttl().toMillis();
    }

    /** Opens the levels {@code config} asks for; Redis is connected in the background. */
    public static EmbeddingCache open(EmbeddingCacheConfig config) {
        return new EmbeddingCache(config);
    }

    /** The in-process vector of each key, null where there is none. */
    public CachedEmbedding[] getLocal(List<EmbeddingKey> keys) {
        CachedEmbedding[] found = new CachedEmbedding[keys.size()];
        for (int i = 0; i < found.length; i++) {
            found[i] = local.getIfPresent(keys.get(i));
            if (found[i] != null) {
                l1Hits.increment();
            }
        }
        return found;
    }

    /**
     * Fills the gaps {@link #getLocal} left in {@code found} with what Redis holds. Complete at once
     * when there are none or there is no Redis to ask (or it is down); otherwise within Redis's
     * timeout. Never completes exceptionally.
     */
    public CompletableFuture<Void> fillShared(List<EmbeddingKey> keys, CachedEmbedding[] found) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < found.length; i++) {
            if (found[i] == null) {
                missing.add(i);
            }
        }
        RedisAsyncCommands<String, byte[]> commands = redis == null || missing.isEmpty() ? null : redis.commands();
        if (commands == null) {
            misses.add(missing.size());
            return CompletableFuture.completedFuture(null);
        }
        String[] redisKeys = missing.stream().map(i -> keys.get(i).redisKey()).toArray(String[]::new);
        // a copy, so that the timeout completes our future and never Lettuce's own command
        return commands.mget(redisKeys).toCompletableFuture().copy()
                .orTimeout(GET_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((values, e) -> {
                    if (e != null) {
                        redis.failed(RedisLink.describe(e, GET_TIMEOUT));
                    } else {
                        redis.succeeded();
                        fill(found, missing, keys, values);
                    }
                    long stillMissing = missing.stream().filter(i -> found[i] == null).count();
                    l2Hits.add(missing.size() - stillMissing);
                    misses.add(stillMissing);
                    return null;
                });
    }

    private void fill(CachedEmbedding[] found, List<Integer> missing, List<EmbeddingKey> keys,
                      List<KeyValue<String, byte[]>> values) {
        for (int j = 0; j < missing.size(); j++) {
            KeyValue<String, byte[]> v = values.get(j);
            if (v.hasValue()) {
                int i = missing.get(j);
                try {
                    found[i] = CachedEmbedding.decode(v.getValue());
                    local.put(keys.get(i), found[i]);
                } catch (IllegalArgumentException bad) {
                    LOG.debug("ignoring unreadable cached embedding {}: {}", keys.get(i), bad.getMessage());
                }
            }
        }
    }

    /** Keeps a computed vector, in-process now and in Redis in the background (a failure only counts). */
    public void put(EmbeddingKey key, CachedEmbedding value) {
        local.put(key, value);
        RedisAsyncCommands<String, byte[]> commands = redis == null ? null : redis.commands();
        if (commands != null) {
            commands.set(key.redisKey(), value.encode(), SetArgs.Builder.px(ttlMillis)).whenComplete((ok, e) -> {
                if (e != null) {
                    redis.failed(RedisLink.describe(e, GET_TIMEOUT));
                }
            });
        }
    }

    public Stats stats() {
        local.cleanUp();
        return new Stats(l1Hits.sum(), l2Hits.sum(), misses.sum(), redis == null ? 0 : redis.errors(),
                redis != null && redis.isUp(), local.policy().eviction().orElseThrow().weightedSize().orElse(0));
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
