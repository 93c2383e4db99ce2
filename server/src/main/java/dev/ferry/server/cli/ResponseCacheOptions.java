package dev.ferry.server.cli;

import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.store.config.MemoryBudget;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Flags of the response cache, which answers repeated deterministic requests without running them. */
final class ResponseCacheOptions {
    @Option(names = "--response-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "answer repeated greedy or client-seeded requests from a cache (default on)")
    boolean enabled;

    @Option(names = "--response-cache-size", defaultValue = "256MiB",
            description = "heap the in-process response cache may hold (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--response-cache-ttl", defaultValue = "10m",
            description = "how long a cached response is reused, in-process and in Redis (default ${DEFAULT-VALUE})")
    String ttl;

    @Option(names = "--redis", paramLabel = "URL",
            description = "share cached responses between instances through this Redis, e.g. redis://host:6379")
    String redis;

    ResponseCacheConfig toConfig() {
        MemoryBudget bytes = EngineOptions.parse("--response-cache-size", () -> MemoryBudget.parse(size));
        if (bytes.isFraction()) {
            throw new IllegalArgumentException("--response-cache-size: expected a size such as 256MiB, got '" + size + "'");
        }
        Duration time = ServeCommand.parseDuration("--response-cache-ttl", ttl);
        if (time.isZero() || time.isNegative()) {
            throw new IllegalArgumentException("--response-cache-ttl: must be positive, got '" + ttl + "'");
        }
        // size and TTL are checked above, so only the URL can be wrong here
        return EngineOptions.parse("--redis", () -> new ResponseCacheConfig(enabled, bytes.bytes(), time, redis));
    }
}
