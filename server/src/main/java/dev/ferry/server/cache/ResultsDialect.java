package dev.ferry.server.cache;

import java.util.List;

/**
 * The SQL that differs between the two databases the results store runs on: the binary column's
 * type and the upsert. Everything else (lookups, expiry, eviction by a running sum) is standard SQL
 * both accept.
 */
enum ResultsDialect {
    H2("VARBINARY", "MERGE INTO ferry_results (k, v, n, stored_ms, expires_ms) KEY (k) VALUES (?, ?, ?, ?, ?)"),
    POSTGRESQL("BYTEA", "INSERT INTO ferry_results (k, v, n, stored_ms, expires_ms) VALUES (?, ?, ?, ?, ?) "
            + "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n, stored_ms = EXCLUDED.stored_ms, "
            + "expires_ms = EXCLUDED.expires_ms");

    private final String binaryType;
    final String upsert;

    ResultsDialect(String binaryType, String upsert) {
        this.binaryType = binaryType;
        this.upsert = upsert;
    }

    /** @throws IllegalArgumentException naming {@code --results-db} for a URL of another database */
    static ResultsDialect of(String jdbcUrl) {
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (jdbcUrl != null && jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("--results-db: expected a JDBC URL of PostgreSQL "
                + "(jdbc:postgresql://host:5432/db?user=...) or H2 (jdbc:h2:file:/path), got '" + jdbcUrl + "'");
    }

    /**
     * The table: {@code k} the key as the Redis level spells it, {@code n} the bytes a row holds
     * (for the size bound), times in epoch milliseconds; the index serves eviction oldest first.
     */
    List<String> schema() {
        return List.of("CREATE TABLE IF NOT EXISTS ferry_results (k VARCHAR(128) PRIMARY KEY, v " + binaryType
                        + " NOT NULL, n INTEGER NOT NULL, stored_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS ferry_results_stored ON ferry_results (stored_ms)");
    }
}
