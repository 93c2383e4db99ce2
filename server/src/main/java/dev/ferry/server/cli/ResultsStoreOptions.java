package dev.ferry.server.cli;

import dev.ferry.server.cache.ResultsStoreConfig;
import dev.ferry.store.config.MemoryBudget;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Flags of the results database (L3) behind the response and embedding caches. */
final class ResultsStoreOptions {
    @Option(names = "--results-store", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "keep precomputed results in a database behind the in-process cache and Redis (default on)")
    boolean enabled;

    @Option(names = "--results-db", paramLabel = "URL", description = "JDBC URL of the results database, e.g. "
            + "jdbc:postgresql://host:5432/ferry?user=ferry&password=... for one shared by several instances "
            + "(default: an embedded H2 file database in $FERRY_HOME/results)")
    String url;

    @Option(names = "--results-ttl", defaultValue = "168h",
            description = "how long a stored result is reused (default ${DEFAULT-VALUE})")
    String ttl;

    @Option(names = "--results-size", defaultValue = "1GiB",
            description = "bytes of results the database may hold; the oldest go first beyond it (default ${DEFAULT-VALUE})")
    String size;

    ResultsStoreConfig toConfig() {
        if (!enabled) {
            return ResultsStoreConfig.DISABLED;
        }
        MemoryBudget bytes = EngineOptions.parse("--results-size", () -> MemoryBudget.parse(size));
        if (bytes.isFraction()) {
            throw new IllegalArgumentException("--results-size: expected a size such as 1GiB, got '" + size + "'");
        }
        Duration time = ServeCommand.parseDuration("--results-ttl", ttl);
        if (time.isZero() || time.isNegative()) {
            throw new IllegalArgumentException("--results-ttl: must be positive, got '" + ttl + "'");
        }
        String jdbc = url != null ? url : ResultsStoreConfig.h2Url(FerryHome.folder().resolve("results"));
        return new ResultsStoreConfig(true, jdbc, time, bytes.bytes());
    }
}
