package dev.ferry.server.cache;

import static dev.ferry.server.cache.CachingFerry.greedy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.Admitted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances sharing answers through a real Redis: a second instance over a copy of the model gets
 * the first one's answer; an instance whose model has other weights under the same name does not.
 */
class SharedResponseCacheTest {
    static final int[] PROMPT = {1, 23, 5, 88, 140};

    @TempDir
    static Path dir;
    static RedisServer redis;
    static CachingFerry first;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        ServingFixture.createTinyModel(dir.resolve("a").resolve(ServingFixture.MODEL));
        first = new CachingFerry(dir.resolve("a"), redis.url()).awaitRedis();
    }

    @AfterAll
    static void stop() {
        first.close();
        redis.close();
    }

    /** A store holding a byte-for-byte copy of the first instance's model folder. */
    static Path copyOfFirstStore(String name) throws IOException {
        Path from = dir.resolve("a").resolve(ServingFixture.MODEL);
        Path to = Files.createDirectories(dir.resolve(name).resolve(ServingFixture.MODEL));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to.getParent();
    }

    /** Runs {@code prompt} on the first instance and waits until its answer is in Redis (the SET is asynchronous). */
    static TokenStream.Result storedByFirst(int[] prompt, int maxTokens) throws Exception {
        long keys = redis.commands().dbsize();
        TokenStream.Result r = first.run(greedy(prompt, maxTokens));
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.commands().dbsize() == keys) {
            assertTrue(System.nanoTime() < end, "the answer never reached Redis");
            Thread.sleep(10);
        }
        return r;
    }

    @Test
    void aSecondInstanceSharingOnlyRedisGetsTheFirstOnesAnswer() throws Exception {
        TokenStream.Result generated = storedByFirst(PROMPT, 24);
        assertFalse(generated.finish().usage().cached());
        try (CachingFerry second = new CachingFerry(copyOfFirstStore("b"), redis.url()).awaitRedis()) {
            TokenStream.Result shared = second.run(greedy(PROMPT, 24));
            assertTrue(shared.finish().usage().cached());
            assertArrayEquals(generated.tokenIds(), shared.tokenIds());
            assertEquals(generated.text(), shared.text());
            assertEquals(generated.finish().reason(), shared.finish().reason());
            assertEquals(1, second.cache.stats().l2Hits());

            assertTrue(second.run(greedy(PROMPT, 24)).finish().usage().cached());
            assertEquals(1, second.cache.stats().l1Hits(), "a Redis hit is kept in-process too");
            assertTrue(second.cache.stats().redisUp());
        }
    }

    @Test
    void anInstanceWhoseModelHasOtherWeightsUnderTheSameNameNeverGetsTheAnswer() throws Exception {
        int[] prompt = {1, 9, 9, 9};
        TokenStream.Result old = storedByFirst(prompt, 24);
        Path store = dir.resolve("changed");
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL), 12);
        try (CachingFerry changed = new CachingFerry(store, redis.url()).awaitRedis()) {
            TokenStream.Result answer = changed.run(greedy(prompt, 24));
            assertFalse(answer.finish().usage().cached());
            assertEquals(0, changed.cache.stats().l2Hits());
            assertFalse(Arrays.equals(old.tokenIds(), answer.tokenIds()), "other weights, other tokens");
        }
    }

    @Test
    void cancellingWhileTheRedisLookupIsPendingEndsTheRequestWithoutRunningIt() throws Exception {
        try (CachingFerry ferry = new CachingFerry(copyOfFirstStore("c"), redis.url()).awaitRedis()) {
            var engine = ferry.registry.get(ServingFixture.MODEL).instance().engine();
            long finishedBefore = engine.metrics().snapshot().finished().values().stream().mapToLong(Long::longValue).sum();

            redis.commands().clientPause(300); // Redis holds every reply, so the lookup stays pending
            TokenStream stream = new TokenStream();
            AtomicInteger finishes = new AtomicInteger();
            TokenSink counting = new TokenSink() {
                @Override
                public void onToken(TokenEvent token) {
                    stream.onToken(token);
                }

                @Override
                public void onFinish(Finish f) {
                    finishes.incrementAndGet();
                    stream.onFinish(f);
                }
            };
            Admitted admitted = ferry.inference.prepare(greedy(new int[] {1, 3, 4}, 8)).start(counting);
            assertFalse(admitted.handle().isDone(), "the lookup is still pending");
            admitted.handle().cancel();
            TokenStream.Result r = stream.await(Duration.ofSeconds(5));
            assertEquals(FinishReason.CANCELLED, r.finish().reason());
            assertEquals(0, r.tokenIds().length);
            assertTrue(admitted.handle().isDone());

            Thread.sleep(400); // the lookup has timed out by now: nothing may start late
            long finishedAfter = engine.metrics().snapshot().finished().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(finishedBefore, finishedAfter, "the engine never saw the cancelled request");
            assertEquals(1, finishes.get(), "exactly one finish");
        }
    }
}
