package dev.ferry.server.cache;

import static dev.ferry.server.cache.CachingFerry.greedy;
import static dev.ferry.server.cache.CachingFerry.request;
import static dev.ferry.server.cache.CachingFerry.temperature;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.models.ServedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process level under the serving front: what is cached, what a hit looks like, what misses. */
class ResponseCacheServingTest {
    static final int[] PROMPT = {1, 17, 42, 99, 7, 300};

    @TempDir
    static Path store;
    static CachingFerry ferry;

    @BeforeAll
    static void start() throws Exception {
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL));
        ferry = new CachingFerry(store, null);
    }

    @AfterAll
    static void stop() {
        ferry.close();
    }

    static int[] prompt(int first) {
        int[] p = PROMPT.clone();
        p[0] = first;
        return p;
    }

    static void assertSameAnswer(TokenStream.Result expected, TokenStream.Result actual) {
        assertArrayEquals(expected.tokenIds(), actual.tokenIds());
        assertEquals(expected.text(), actual.text());
        assertEquals(expected.events().stream().map(TokenEvent::text).toList(),
                actual.events().stream().map(TokenEvent::text).toList(), "the same deltas stream");
        assertEquals(expected.finish().reason(), actual.finish().reason());
        assertEquals(expected.finish().usage().completionTokens(), actual.finish().usage().completionTokens());
    }

    @Test
    void aRepeatedGreedyRequestIsReplayedFromMemoryFarFasterThanGenerated() throws Exception {
        long t0 = System.nanoTime();
        TokenStream.Result generated = ferry.run(greedy(prompt(2), 64));
        long generateNanos = System.nanoTime() - t0;
        assertFalse(generated.finish().usage().cached());
        assertEquals(64, generated.tokenIds().length);

        long[] hitNanos = new long[5];
        for (int i = 0; i < hitNanos.length; i++) {
            long t1 = System.nanoTime();
            TokenStream.Result hit = ferry.run(greedy(prompt(2), 64));
            hitNanos[i] = System.nanoTime() - t1;
            assertSameAnswer(generated, hit);
            assertTrue(hit.finish().usage().cached());
            assertEquals(PROMPT.length, hit.finish().usage().cachedPromptTokens());
            assertEquals(PROMPT.length, hit.finish().usage().promptTokens());
        }
        Arrays.sort(hitNanos);
        long median = hitNanos[hitNanos.length / 2];
        assertTrue(median * 10 < generateNanos, "hit " + median / 1000 + " us vs generation " + generateNanos / 1000 + " us");
    }

    @Test
    void aSeededSampledRequestIsCachedAnUnseededOneIsNot() throws Exception {
        TokenStream.Result seeded = ferry.run(request(prompt(3), 16, temperature(0.9, 5L), null));
        TokenStream.Result again = ferry.run(request(prompt(3), 16, temperature(0.9, 5L), null));
        assertFalse(seeded.finish().usage().cached());
        assertTrue(again.finish().usage().cached());
        assertSameAnswer(seeded, again);

        List<Long> before = lookupsAndStores(ferry.cache.stats());
        for (int i = 0; i < 2; i++) {
            assertFalse(ferry.run(request(prompt(4), 16, temperature(0.9, null), null)).finish().usage().cached());
        }
        assertEquals(before, lookupsAndStores(ferry.cache.stats()), "an unseeded request never touches the cache");
    }

    static List<Long> lookupsAndStores(ResponseCache.Stats s) {
        return List.of(s.l1Hits(), s.l2Hits(), s.misses(), s.stores());
    }

    @Test
    void anyChangedParameterMisses() throws Exception {
        int[] p = prompt(5);
        ferry.run(request(p, 16, temperature(0.9, 1L), null));
        record Variant(String name, InferenceRequest request) {}
        List<Variant> variants = List.of(
                new Variant("max_tokens", request(p, 15, temperature(0.9, 1L), null)),
                new Variant("temperature", request(p, 16, temperature(0.8, 1L), null)),
                new Variant("stop", request(p, 16, temperature(0.9, 1L), List.of("zzz"))),
                new Variant("seed", request(p, 16, temperature(0.9, 2L), null)),
                new Variant("greedy", request(p, 16, temperature(0.0, 1L), null)));
        for (Variant v : variants) {
            assertFalse(ferry.run(v.request()).finish().usage().cached(), v.name() + " changed but the answer was cached");
        }
        assertTrue(ferry.run(request(p, 16, temperature(0.9, 1L), null)).finish().usage().cached());
    }

    @Test
    void aReloadedModelWithChangedWeightsNeverGetsTheOldAnswer() throws Exception {
        int[] p = prompt(6);
        TokenStream.Result old = ferry.run(greedy(p, 32));
        assertTrue(ferry.run(greedy(p, 32)).finish().usage().cached());

        ferry.registry.unload(ServingFixture.MODEL, Duration.ZERO);
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL), 12);
        assertEquals(ServedModel.State.READY, ferry.registry.load(ServingFixture.MODEL).state());

        TokenStream.Result fresh = ferry.run(greedy(p, 32));
        assertFalse(fresh.finish().usage().cached());
        assertFalse(Arrays.equals(old.tokenIds(), fresh.tokenIds()), "other weights, other tokens");
        assertSameAnswer(fresh, ferry.run(greedy(p, 32)));
    }

    @Test
    void cancelledAnswersAreNotCached() throws Exception {
        int[] p = prompt(7);
        TokenStream stream = new TokenStream();
        ferry.inference.prepare(greedy(p, 200)).start(stream).handle().cancel();
        assertEquals(FinishReason.CANCELLED, stream.await(Duration.ofSeconds(30)).finish().reason());
        assertFalse(ferry.run(greedy(p, 200)).finish().usage().cached());
    }
}
