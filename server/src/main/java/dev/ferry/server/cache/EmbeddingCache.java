package dev.ferry.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ferry.server.api.CacheOutcome;
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
 * MGET, then the results database for what Redis lacked, in one query. Redis or the database down,
 * slow or failing only makes misses (each warns once); a vector found at a level is kept at the
 * levels above it. Counts what each level does for the metrics. Thread-safe.
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
    public record Stats(long misses, long redisErrors, boolean redisUp, long l1Bytes, LevelCounters.Snapshot levels) {
        public double hitRatio() {
            long hits = levels.allHits();
            return hits + misses == 0 ? 0 : (double) hits / (hits + misses);
        }
    }

    private final Cache<EmbeddingKey, CachedEmbedding> local;
    private final RedisLink redis;
    private final ResultsStore stored;
    private final long ttlMillis;
    private final LevelCounters levels = new LevelCounters();
    private final LongAdder misses = new LongAdder();

    private EmbeddingCache(EmbeddingCacheConfig config, ResultsStore stored) {
        this.local = Caffeine.newBuilder()
                .maximumWeight(config.maxBytes())
                .weigher((EmbeddingKey k, CachedEmbedding v) -> k.weightBytes() + v.weightBytes())
                .expireAfterWrite(config.ttl())
                .build();
        this.redis = config.redisUrl() == null ? null : new RedisLink(config.redisUrl(), GET_TIMEOUT);
        this.stored = stored;
        this.ttlMillis = config.ttl().toMillis();
    }

    /** Opens the levels {@code config} asks for; Redis is connected in the background. No results database. */
    public static EmbeddingCache open(EmbeddingCacheConfig config) {
        return open(config, null);
    }

    /** @param stored the results database (L3), shared with the response cache and closed by its owner; null for none */
    public static EmbeddingCache open(EmbeddingCacheConfig config, ResultsStore stored) {
        return new EmbeddingCache(config, stored);
    }

    /** The in-process vector of each key, null where there is none. */
    public CachedEmbedding[] getLocal(List<EmbeddingKey> keys) {
        long start = System.nanoTime();
        CachedEmbedding[] found = new CachedEmbedding[keys.size()];
        int hits = 0;
        for (int i = 0; i < found.length; i++) {
            found[i] = local.getIfPresent(keys.get(i));
            if (found[i] != null) {
                hits++;
            }
        }
        levels.hit(CacheOutcome.L1, hits, start);
        levels.missed(CacheOutcome.L1, found.length - hits);
        return found;
    }

    /**
     * Fills the gaps {@link #getLocal} left in {@code found} with what Redis, then the results
     * database, hold. Complete at once when there are none or there is no level to ask (or they are
     * down); otherwise within their timeouts. Never completes exceptionally.
     *
     * @return the deepest level that filled a gap: L3, L2, or L1 when none did
     */
    public CompletableFuture<CacheOutcome> fillShared(List<EmbeddingKey> keys, CachedEmbedding[] found) {
        long start = System.nanoTime();
        return fromRedis(keys, found, missing(found), start)
                .thenCompose(l2 -> fromStore(keys, found, missing(found), start)
                        .thenApply(l3 -> l3 > 0 ? CacheOutcome.L3 : l2 > 0 ? CacheOutcome.L2 : CacheOutcome.L1))
                .whenComplete((level, e) -> misses.add(missing(found).size()));
    }

    private static List<Integer> missing(CachedEmbedding[] found) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < found.length; i++) {
            if (found[i] == null) {
                missing.add(i);
            }
        }
        return missing;
    }

    /** @return how many gaps Redis filled */
    private CompletableFuture<Integer> fromRedis(List<EmbeddingKey> keys, CachedEmbedding[] found, List<Integer> missing,
                                                 long start) {
        RedisAsyncCommands<String, byte[]> commands = redis == null || missing.isEmpty() ? null : redis.commands();
        if (commands == null) {
            return CompletableFuture.completedFuture(0);
        }
        String[] redisKeys = missing.stream().map(i -> keys.get(i).redisKey()).toArray(String[]::new);
        // a copy, so that the timeout completes our future and never Lettuce's own command
        return commands.mget(redisKeys).toCompletableFuture().copy()
                .orTimeout(GET_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((values, e) -> {
                    int hits = 0;
                    if (e != null) {
                        redis.failed(RedisLink.describe(e, GET_TIMEOUT));
                    } else {
                        redis.succeeded();
                        for (int j = 0; j < missing.size(); j++) {
                            KeyValue<String, byte[]> v = values.get(j);
                            if (v.hasValue() && fill(found, missing.get(j), keys, v.getValue())) {
                                hits++;
                            }
                        }
                    }
                    levels.hit(CacheOutcome.L2, hits, start);
                    levels.missed(CacheOutcome.L2, missing.size() - hits);
                    return hits;
                });
    }

    /** @return how many gaps the results database filled */
    private CompletableFuture<Integer> fromStore(List<EmbeddingKey> keys, CachedEmbedding[] found, List<Integer> missing,
                                                 long start) {
        if (stored == null || missing.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        return stored.getAll(missing.stream().map(i -> keys.get(i).redisKey()).toList()).thenApply(values -> {
            int hits = 0;
            for (int i : missing) {
                byte[] bytes = values.get(keys.get(i).redisKey());
                if (bytes != null && fill(found, i, keys, bytes)) {
                    hits++;
                    putRedis(keys.get(i), bytes);
                }
            }
            levels.hit(CacheOutcome.L3, hits, start);
            levels.missed(CacheOutcome.L3, missing.size() - hits);
            return hits;
        });
    }

    /** Decodes a vector found below the in-process level into {@code found[i]} and keeps it in-process. */
    private boolean fill(CachedEmbedding[] found, int i, List<EmbeddingKey> keys, byte[] bytes) {
        try {
            found[i] = CachedEmbedding.decode(bytes);
            local.put(keys.get(i), found[i]);
            return true;
        } catch (IllegalArgumentException bad) {
            LOG.debug("ignoring unreadable cached embedding {}: {}", keys.get(i), bad.getMessage());
            return false;
        }
    }

    /**
     * Keeps a computed vector: in-process now, in Redis and the results database in the background
     * (a failure only counts).
     */
    public void put(EmbeddingKey key, CachedEmbedding value) {
        local.put(key, value);
        if (redis != null || stored != null) {
            byte[] bytes = value.encode();
            putRedis(key, bytes);
            if (stored != null) {
                stored.put(key.redisKey(), bytes);
            }
        }
    }

    private void putRedis(EmbeddingKey key, byte[] bytes) {
        RedisAsyncCommands<String, byte[]> commands = redis == null ? null : redis.commands();
        if (commands != null) {
            commands.set(key.redisKey(), bytes, SetArgs.Builder.px(ttlMillis)).whenComplete((ok, e) -> {
                if (e != null) {
                    redis.failed(RedisLink.describe(e, GET_TIMEOUT));
                }
            });
        }
    }

    public Stats stats() {
        local.cleanUp();
        return new Stats(misses.sum(), redis == null ? 0 : redis.errors(), redis != null && redis.isUp(),
                local.policy().eviction().orElseThrow().weightedSize().orElse(0), levels.snapshot());
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
