package dev.ferry.server.cache;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how long precomputed results (L3) are kept.
 *
 * @param url JDBC URL: {@code jdbc:h2:file:...} (embedded, one process) or {@code jdbc:postgresql://...} (shared)
 * @param ttl how long a stored result is reused
 * @param maxBytes the bytes of results the database may hold; the oldest go first beyond it
 */
public record ResultsStoreConfig(boolean enabled, String url, Duration ttl, long maxBytes) {
    public static final Duration DEFAULT_TTL = Duration.ofDays(7);
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final ResultsStoreConfig DISABLED = new ResultsStoreConfig(false, null, DEFAULT_TTL, DEFAULT_MAX_BYTES);

    public ResultsStoreConfig {
        if (enabled) {
            ResultsDialect.of(url); // names the flag when the URL is neither H2 nor PostgreSQL
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("results store TTL must be positive, got " + ttl);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("results store size must be positive, got " + maxBytes);
        }
    }

    /**
     * The JDBC URL of the embedded default, an H2 file database in {@code folder} (created on first
     * use); the store closes it, not the JVM's exit hook.
     */
    public static String h2Url(Path folder) {
        return "jdbc:h2:file:" + folder.toAbsolutePath().resolve("results") + ";DB_CLOSE_ON_EXIT=FALSE";
    }
}
