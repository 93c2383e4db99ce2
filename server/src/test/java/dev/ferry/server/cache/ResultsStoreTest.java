package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The results store on both databases it runs on: embedded H2 and a real PostgreSQL. */
class ResultsStoreTest {
    static PostgresServer postgres;
    @TempDir
    static Path h2;
    static int tables; // each test gets a database of its own: a new H2 file, a new PostgreSQL database

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    static Stream<String> databases() {
        return Stream.of("h2", "postgresql");
    }

    static ResultsStore open(String database, Duration ttl, long maxBytes) throws Exception {
        String url = database.equals("h2") ? ResultsStoreConfig.h2Url(h2.resolve("db" + tables++))
                : postgres.createDatabase("results" + tables++);
        ResultsStore store = ResultsStore.open(new ResultsStoreConfig(true, url, ttl, maxBytes));
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!store.stats().up()) { // lookups wait for the writer to reach the database first
            assertTrue(System.nanoTime() < end, "the store did not reach " + database + " within 10 s");
            Thread.sleep(10);
        }
        return store;
    }

    static void awaitWrites(ResultsStore store, long n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (store.stats().writes() < n) {
            assertTrue(System.nanoTime() < end, "only " + store.stats().writes() + " of " + n + " writes landed");
            Thread.sleep(10);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aStoredResultIsReadBackUntilItExpires(String database) throws Exception {
        try (ResultsStore store = open(database, Duration.ofMillis(800), 1 << 20)) {
            store.put("ferry:rc:v2:a", bytes("answer a"));
            store.put("ferry:rc:v2:b", bytes("answer b"));
            store.put("ferry:rc:v2:a", bytes("answer a, again")); // the later write wins
            awaitWrites(store, 3);
            assertArrayEquals(bytes("answer a, again"), store.get("ferry:rc:v2:a").join());
            Map<String, byte[]> both = store.getAll(List.of("ferry:rc:v2:b", "ferry:rc:v2:none")).join();
            assertEquals(List.of("ferry:rc:v2:b"), List.copyOf(both.keySet()));
            assertNull(store.get("ferry:rc:v2:none").join());

            Thread.sleep(900);
            assertNull(store.get("ferry:rc:v2:a").join(), "an expired result is not served");
            assertTrue(store.stats().up());
            assertEquals(0, store.stats().errors());
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void beyondTheSizeBoundTheOldestResultsGo(String database) throws Exception {
        // each row counts its key (5 bytes) and value (95 bytes): 100 bytes, so 10 fit in 1000
        try (ResultsStore store = open(database, Duration.ofHours(1), 1000)) {
            for (int i = 0; i < 30; i++) {
                store.put(String.format("k%04d", i), new byte[95]);
                Thread.sleep(2); // distinct store times: oldest first is well defined
            }
            awaitWrites(store, 30);
            store.trim();
            List<String> keys = IntStream.range(0, 30).mapToObj(i -> String.format("k%04d", i)).toList();
            Map<String, byte[]> kept = store.getAll(keys).join();
            assertEquals(keys.subList(20, 30), kept.keySet().stream().sorted().toList(), "the 10 newest stay");
        }
    }
}
