package dev.ferry.server.cli;

import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.store.config.MemoryBudget;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Flags of the embedding cache, which answers repeated inputs without running the encoder. Its Redis is --redis. */
final class EmbeddingCacheOptions {
    @Option(names = "--embedding-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "answer inputs embedded before from a cache, in-process and in --redis (default on)")
    boolean enabled;

    @Option(names = "--embedding-cache-size", defaultValue = "128MiB",
            description = "heap the in-process embedding cache may hold (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--embedding-cache-ttl", defaultValue = "1h",
            description = "how long a cached embedding is reused, in-process and in Redis (default ${DEFAULT-VALUE})")
    String ttl;

    /** @param redis the response cache's --redis, shared */
    EmbeddingCacheConfig toConfig(String redis) {
        MemoryBudget bytes = EngineOptions.parse("--embedding-cache-size", () -> MemoryBudget.parse(size));
        if (bytes.isFraction()) {
            throw new IllegalArgumentException("--embedding-cache-size: expected a size such as 128MiB, got '" + size
                    + "'");
        }
        Duration time = ServeCommand.parseDuration("--embedding-cache-ttl", ttl);
        if (time.isZero() || time.isNegative()) {
            throw new IllegalArgumentException("--embedding-cache-ttl: must be positive, got '" + ttl + "'");
        }
        return EngineOptions.parse("--redis", () -> new EmbeddingCacheConfig(enabled, bytes.bytes(), time, redis));
    }
}
