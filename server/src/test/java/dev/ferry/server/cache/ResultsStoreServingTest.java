package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.CachingServer;
import dev.ferry.server.PostgresServer;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The results database (L3) behind the in-process cache and Redis, through a real server over HTTP:
 * an answer outlives a restart with Redis emptied, on embedded H2 and on PostgreSQL, and no request
 * fails while Redis and the database are killed under load.
 */
class ResultsStoreServingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    static String greedy(String prompt, int tokens) {
        return "{\"model\": \"" + ServingFixture.MODEL + "\", \"prompt\": \"" + prompt + "\", \"max_tokens\": " + tokens
                + ", \"temperature\": 0, \"ignore_eos\": true}";
    }

    static String text(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).at("/choices/0/text").asText();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void anAnswerIsServedFromTheDatabaseAfterARestartWithRedisEmpty(String database, @TempDir Path dir) throws Exception {
        String url = database.equals("h2") ? ResultsStoreConfig.h2Url(dir.resolve("results"))
                : postgres.createDatabase("restart");
        String body = greedy("Remember me", 8);
        try (RedisServer redis = RedisServer.start(); ServingFixture fixture = new ServingFixture(dir.resolve("store"))) {
            String generated;
            try (CachingServer first = new CachingServer(fixture.registry, redis.url(), url)) {
                first.awaitMetric("ferry_results_db_up", up -> up == 1);
                HttpResponse<String> miss = first.post("/v1/completions", body);
                assertEquals("miss", CachingServer.level(miss));
                generated = text(miss);
                first.awaitMetric("ferry_results_db_writes_total", n -> n >= 1);
            }
            redis.kill();
            redis.restart(); // empty: nothing survives in Redis
            ModelRegistry registry = new ModelRegistry(fixture.store,
                    new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS));
            registry.loadAll();
            try (CachingServer second = new CachingServer(registry, redis.url(), url)) {
                second.awaitMetric("ferry_redis_up", up -> up == 1);
                second.awaitMetric("ferry_results_db_up", up -> up == 1);
                HttpResponse<String> stored = second.post("/v1/completions", body);
                assertEquals("l3", CachingServer.level(stored));
                assertEquals(generated, text(stored));
                assertEquals(1, second.metric("ferry_response_cache_hits_total{level=\"l3\"}"));
                assertTrue(second.metric("ferry_response_cache_hit_seconds_count{level=\"l3\"}") >= 1);
                HttpResponse<String> again = second.post("/v1/completions", body);
                assertEquals("l1", CachingServer.level(again), "an L3 hit is kept in-process");
                assertEquals(generated, text(again));
                long end = System.nanoTime() + 5_000_000_000L;
                while (redis.commands().dbsize() == 0) {
                    assertTrue(System.nanoTime() < end, "an L3 hit is not copied to Redis");
                    Thread.sleep(10);
                }
            }
        }
    }

    @Test
    void noRequestFailsWhileRedisAndTheDatabaseAreKilledUnderLoad(@TempDir Path dir) throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger health = (Logger) LoggerFactory.getLogger(DatabaseHealth.class);
        Level configured = health.getLevel();
        log.start();
        health.addAppender(log);
        health.setLevel(Level.INFO);
        try (RedisServer redis = RedisServer.start(); ServingFixture fixture = new ServingFixture(dir.resolve("store"));
             CachingServer server = new CachingServer(fixture.registry, redis.url(), postgres.createDatabase("outage"))) {
            server.awaitMetric("ferry_redis_up", up -> up == 1);
            server.awaitMetric("ferry_results_db_up", up -> up == 1);
            int clients = 4;
            int perClient = 16;
            AtomicInteger done = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < perClient; i++) {
                        // half repeat a few prompts (hits at some level), half are new (misses down to the database)
                        String prompt = i % 2 == 0 ? "repeated " + i % 6 : "new " + client + " " + i;
                        HttpResponse<String> r = server.post("/v1/completions", greedy(prompt, 4));
                        JsonNode answer = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
                        if (answer == null || answer.at("/usage/completion_tokens").asInt() != 4) {
                            failures.add(prompt + ": " + r.statusCode() + " " + r.body());
                        }
                        done.incrementAndGet();
                    }
                    return failures;
                }));
            }
            while (done.get() < clients * perClient / 3) {
                Thread.sleep(5);
            }
            redis.kill();
            postgres.kill();
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> f : results) {
                failures.addAll(f.get());
            }
            pool.shutdown();
            assertEquals(List.of(), failures, "every request is answered in full");
            server.post("/v1/completions", greedy("after the outage", 4)); // reaches the database's level
            server.awaitMetric("ferry_results_db_up", up -> up == 0);
            assertTrue(server.metric("ferry_results_db_errors_total") >= 1);
            assertEquals(1, log.list.stream().filter(e -> e.getLevel() == Level.WARN).count(),
                    "one warning for the whole outage");

            postgres.restart();
            long end = System.nanoTime() + 10_000_000_000L;
            for (int i = 0; server.metric("ferry_results_db_up") == 0; i++) {
                assertTrue(System.nanoTime() < end, "the database is not used again once it is back");
                assertEquals(200, server.post("/v1/completions", greedy("back " + i, 2)).statusCode());
                Thread.sleep(100);
            }
            assertEquals(1, log.list.stream().filter(e -> e.getLevel() == Level.INFO).count(), "the recovery is logged once");
        } finally {
            health.detachAppender(log);
            health.setLevel(configured);
        }
    }
}
