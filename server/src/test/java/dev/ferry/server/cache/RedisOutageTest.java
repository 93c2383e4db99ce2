package dev.ferry.server.cache;

import static dev.ferry.server.cache.CachingFerry.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Redis going away never fails or stalls a request: one warning, counted errors, and recovery when it returns. */
class RedisOutageTest {
    /** A hit may not wait for Redis: its median stays far below the 50 ms a Redis lookup may take. */
    static final long HIT_BUDGET_NANOS = Duration.ofMillis(20).toNanos();

    @TempDir
    Path store;
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    final Logger redisLog = (Logger) LoggerFactory.getLogger("dev.ferry.server.cache.RedisLink");
    Level configured;

    @BeforeEach
    void captureLog() throws Exception {
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL));
        log.start();
        redisLog.addAppender(log);
        configured = redisLog.getLevel();
        redisLog.setLevel(Level.INFO); // the tests' logback config keeps the engine's INFO quiet

    }

    @AfterEach
    void releaseLog() {
        redisLog.detachAppender(log);
        redisLog.setLevel(configured);
    }

    long logged(Level level) {
        return log.list.stream().filter(e -> e.getLevel() == level).count();
    }

    static long median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Runs a request that must complete normally, and returns whether it was a cache hit. */
    static boolean completes(CachingFerry ferry, int[] prompt) throws Exception {
        TokenStream.Result r = ferry.run(greedy(prompt, 8));
        assertEquals(FinishReason.LENGTH, r.finish().reason());
        return r.finish().usage().cached();
    }

    @Test
    void killingRedisDegradesToTheProcessCacheWithOneWarningAndRestartingItRecovers() throws Exception {
        try (RedisServer redis = RedisServer.start(); CachingFerry ferry = new CachingFerry(store, redis.url()).awaitRedis()) {
            int[] known = {1, 2, 3};
            assertFalse(completes(ferry, known));

            redis.kill();
            long[] hits = new long[20];
            for (int i = 0; i < hits.length; i++) {
                long t0 = System.nanoTime();
                assertTrue(completes(ferry, known), "an in-process hit survives the outage");
                hits[i] = System.nanoTime() - t0;
                assertFalse(completes(ferry, new int[] {1, 50 + i}), "a new prompt runs on the engine");
            }
            assertTrue(median(hits) < HIT_BUDGET_NANOS, "hits waited on the dead Redis: " + median(hits) + " ns");
            ResponseCache.Stats down = ferry.cache.stats();
            assertFalse(down.redisUp());
            assertTrue(down.redisErrors() >= 1, "the outage is counted");
            assertEquals(1, logged(Level.WARN), "one warning for the whole outage");

            redis.restart();
            ferry.awaitRedis();
            assertEquals(1, logged(Level.INFO), "the recovery is logged once");
            assertEquals(1, logged(Level.WARN));
            assertFalse(completes(ferry, new int[] {1, 99}));
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (redis.commands().dbsize() == 0) {
                assertTrue(System.nanoTime() < end, "answers are not shared again after the restart");
                Thread.sleep(10);
            }
        }
    }

    @Test
    void aRedisThatIsNeverThereNeitherFailsNorDelaysRequests() throws Exception {
        try (CachingFerry ferry = new CachingFerry(store, "redis://127.0.0.1:" + RedisServer.freePort())) {
            long[] hits = new long[5];
            for (int i = 0; i < hits.length; i++) {
                assertFalse(completes(ferry, new int[] {1, 7, i}));
                long t0 = System.nanoTime();
                assertTrue(completes(ferry, new int[] {1, 7, i}));
                hits[i] = System.nanoTime() - t0;
            }
            assertTrue(median(hits) < HIT_BUDGET_NANOS, "hits waited on the missing Redis: " + median(hits) + " ns");
            Thread.sleep(1500); // reconnection attempts go on in the background
            assertFalse(ferry.cache.stats().redisUp());
            assertTrue(ferry.cache.stats().redisErrors() >= 1);
            assertEquals(1, logged(Level.WARN), "one warning however often the connection is retried");
        }
    }
}
