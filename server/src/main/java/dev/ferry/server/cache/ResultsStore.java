package dev.ferry.server.cache;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * L3: precomputed results in a database behind the in-process and Redis levels, shared by the
 * response and embedding caches. Rows are the bytes the Redis level stores, under the same keys,
 * with an expiry and a size bound (the oldest rows go first). Lookups run on two reader threads and
 * answer within {@link #GET_TIMEOUT} whatever the database does; writes queue for one writer thread
 * ({@link ResultsWriter}). A database that fails or is gone only makes misses and dropped writes,
 * counted, with one warning ({@link DatabaseHealth}); the pool opens connections again once it is back.
 */
public final class ResultsStore implements AutoCloseable {
    /** Longer than a lookup on a loaded LAN database, short beside the generation a miss runs instead. */
    static final Duration GET_TIMEOUT = Duration.ofMillis(200);
    private static final int READERS = 2;
    private static final int READ_QUEUE = 256;
    private static final int WRITE_QUEUE = 4096;
    private static final Duration UPKEEP_EVERY = Duration.ofSeconds(30);

    /**
     * What the store did since it opened.
     *
     * @param up whether the database was reached (its table is there) and answered its last call
     * @param errors calls that failed or timed out
     * @param droppedWrites results not stored: the queue was full or the database down
     */
    public record Stats(boolean up, long errors, long writes, long droppedWrites) {}

    /** A database call the health says to skip, or that failed (already counted). */
    private static final class Unavailable extends RuntimeException {
        Unavailable() {
            super(null, null, false, false);
        }
    }

    @FunctionalInterface
    private interface SqlCall<T> {
        T run(Connection c) throws SQLException;
    }

    private final ResultsStoreConfig config;
    private final ResultsDialect dialect;
    private final HikariDataSource pool;
    private final DatabaseHealth health;
    private final ThreadPoolExecutor readers;
    private final ResultsWriter writer;
    private final LongAdder writes = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private volatile boolean schemaReady;

    private ResultsStore(ResultsStoreConfig config) {
        this.config = config;
        this.dialect = ResultsDialect.of(config.url());
        this.health = new DatabaseHealth(safeUrl(config.url()));
        this.pool = new HikariDataSource(poolConfig(config.url(), dialect));
        this.readers = new ThreadPoolExecutor(READERS, READERS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(READ_QUEUE), r -> {
                    Thread t = new Thread(r, "ferry-results-reader");
                    t.setDaemon(true);
                    return t;
                });
        this.writer = new ResultsWriter(WRITE_QUEUE, this::write, this::upkeep, UPKEEP_EVERY);
    }

    /** Opens the pool without waiting for the database: the writer creates the table when it first reaches it. */
    public static ResultsStore open(ResultsStoreConfig config) {
        return new ResultsStore(config);
    }

    private static HikariConfig poolConfig(String url, ResultsDialect dialect) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setPoolName("ferry-results");
        c.setMaximumPoolSize(READERS + 1);
        c.setMinimumIdle(0); // no background refills hammering a database that is down
        // off the request path (a lookup gives up after GET_TIMEOUT), long enough for H2 to open its file on a busy
        // host (over 2 s measured on 2 loaded cores); a database that refuses connections fails at once anyway
        c.setConnectionTimeout(5000);
        c.setValidationTimeout(1000);
        c.setInitializationFailTimeout(-1); // start without the database; it may come later
        if (dialect == ResultsDialect.POSTGRESQL) {
            c.addDataSourceProperty("connectTimeout", "1"); // seconds
            c.addDataSourceProperty("socketTimeout", "5"); // a hung server frees the thread
        }
        return c;
    }

    /** The stored bytes under {@code key}, or null (none, expired, or the database unavailable); never fails. */
    public CompletableFuture<byte[]> get(String key) {
        return getAll(List.of(key)).thenApply(found -> found.get(key));
    }

    /**
     * The stored bytes of those of {@code keys} the database holds; empty when it is unavailable, or
     * not reached yet (a cold start of the database is the writer's to wait for, not a request's).
     */
    public CompletableFuture<Map<String, byte[]>> getAll(List<String> keys) {
        if (keys.isEmpty() || !schemaReady || health.resting()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        CompletableFuture<Map<String, byte[]>> read;
        try {
            read = CompletableFuture.supplyAsync(() -> call(c -> select(c, keys), true), readers);
        } catch (RejectedExecutionException busy) { // lookups are queueing: skip this one rather than wait
            return CompletableFuture.completedFuture(Map.of());
        }
        return read.copy().orTimeout(GET_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).handle((found, e) -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                health.failed("no reply within " + GET_TIMEOUT.toMillis() + " ms");
            }
            return cause == null ? found : Map.of();
        });
    }

    private Map<String, byte[]> select(Connection c, List<String> keys) throws SQLException {
        String marks = keys.stream().map(k -> "?").collect(Collectors.joining(", "));
        try (PreparedStatement s = c.prepareStatement("SELECT k, v FROM ferry_results WHERE k IN (" + marks
                + ") AND expires_ms > ?")) {
            for (int i = 0; i < keys.size(); i++) {
                s.setString(i + 1, keys.get(i));
            }
            s.setLong(keys.size() + 1, System.currentTimeMillis());
            Map<String, byte[]> found = new HashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.put(r.getString(1), r.getBytes(2));
                }
            }
            return found;
        }
    }

    /** Stores {@code value} in the background; dropped (counted) when the writer is behind. */
    public void put(String key, byte[] value) {
        writer.offer(key, value);
    }

    private void write(List<ResultsWriter.Entry> batch) {
        try {
            call(c -> { // tried even while lookups rest: the writer is no request's to delay
                boolean auto = c.getAutoCommit();
                c.setAutoCommit(false);
                try (PreparedStatement s = c.prepareStatement(dialect.upsert)) {
                    for (ResultsWriter.Entry e : batch) {
                        s.setString(1, e.key());
                        s.setBytes(2, e.value());
                        s.setInt(3, e.key().length() + e.value().length);
                        s.setLong(4, e.storedMillis());
                        s.setLong(5, e.storedMillis() + config.ttl().toMillis());
                        s.addBatch();
                    }
                    s.executeBatch();
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(auto);
                }
                return null;
            }, false);
            writes.add(batch.size());
        } catch (Unavailable e) {
            failedWrites.add(batch.size());
        }
    }

    /** Drops expired rows, then the oldest beyond the size bound; false when the database was not reached. */
    private boolean upkeep() {
        try {
            trim();
            return true;
        } catch (Unavailable e) {
            return false; // counted and logged by call()
        }
    }

    /** Expiry and the size bound now (tests; the writer runs it every 30 s). */
    void trim() {
        call(c -> {
            try (PreparedStatement expired = c.prepareStatement("DELETE FROM ferry_results WHERE expires_ms <= ?")) {
                expired.setLong(1, System.currentTimeMillis());
                expired.executeUpdate();
            }
            long held;
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                    "SELECT COALESCE(SUM(n), 0) FROM ferry_results")) {
                r.next();
                held = r.getLong(1);
            }
            if (held > config.maxBytes()) {
                // every row whose newer rows, itself included, hold more than the bound
                try (PreparedStatement oldest = c.prepareStatement("DELETE FROM ferry_results WHERE k IN (SELECT k FROM "
                        + "(SELECT k, SUM(n) OVER (ORDER BY stored_ms DESC, k DESC) AS newer FROM ferry_results) t "
                        + "WHERE newer > ?)")) {
                    oldest.setLong(1, config.maxBytes());
                    oldest.executeUpdate();
                }
            }
            return null;
        }, false);
    }

    /**
     * Runs {@code sql} on a pooled connection, creating the table on the first call that reaches
     * the database.
     *
     * @param lookup a request waits for it, so it skips a database resting after a failure
     * @throws Unavailable when a lookup finds the database resting, or the call failed
     */
    private <T> T call(SqlCall<T> sql, boolean lookup) {
        if (lookup && health.resting()) {
            throw new Unavailable();
        }
        try (Connection c = pool.getConnection()) {
            if (!schemaReady) {
                createSchema(c);
            }
            T result = sql.run(c);
            health.succeeded();
            return result;
        } catch (SQLException | RuntimeException e) {
            schemaReady = false; // a database that comes back may be a new one: create the table again if need be
            health.failed(e.getMessage());
            throw new Unavailable();
        }
    }

    private synchronized void createSchema(Connection c) throws SQLException {
        if (schemaReady) {
            return;
        }
        try (Statement s = c.createStatement()) {
            for (String ddl : dialect.schema()) {
                s.execute(ddl);
            }
        }
        schemaReady = true;
    }

    public Stats stats() {
        return new Stats(schemaReady && health.isUp(), health.errors(), writes.sum(), writer.dropped() + failedWrites.sum());
    }

    /** The URL as logs show it: query parameters (which may carry a password) left out. */
    private static String safeUrl(String url) {
        int q = url.indexOf('?');
        int semi = url.indexOf(';');
        int cut = q >= 0 ? q : semi >= 0 ? semi : url.length();
        return url.substring(0, cut);
    }

    @Override
    public void close() {
        writer.close(); // what is queued is written first
        readers.shutdown(); // not interrupted: H2 closes its file under a thread interrupted in the middle of a read
        try {
            readers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }
}
