package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.api.CacheOutcome;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The in-process level through the facade: what is stored, how a hit replays, the byte bound. */
class ResponseCacheTest {

    static ResponseKey key(int prompt) {
        return ResponseKey.of("hash", "f32", "cpu()", GenerateRequest.of(new int[] {prompt}, 4, SamplingParams.greedy()));
    }

    /** Feeds a recording sink two tokens and a finish, as the engine would. */
    static void answer(TokenSink sink, FinishReason reason) {
        sink.onToken(new TokenEvent(5, "he", Float.NaN, null, null));
        sink.onToken(new TokenEvent(6, "llo", Float.NaN, null, null));
        sink.onFinish(new Finish(reason, new Usage(1, 0, 2, 0), "!", reason == FinishReason.ERROR ? "boom" : null));
    }

    /** Tells {@code recording} each event beside {@code client}, as a request's tracking sink does. */
    static TokenSink beside(ResponseRecording recording, TokenSink client) {
        return new TokenSink() {
            @Override
            public void onToken(TokenEvent token) {
                recording.onToken(token);
                client.onToken(token);
            }

            @Override
            public void onFinish(Finish finish) {
                recording.onFinish(finish);
                client.onFinish(finish);
            }
        };
    }

    @Test
    void completedAnswersAreStoredAndReplayedAsCached() throws Exception {
        try (ResponseCache cache = ResponseCache.open(ResponseCacheConfig.DEFAULTS)) {
            assertEquals(CacheOutcome.MISS, cache.get(key(1)).getNow(null).outcome());
            TokenStream first = new TokenStream();
            answer(beside(cache.recording(key(1), false), first), FinishReason.LENGTH);
            assertFalse(first.await().finish().usage().cached(), "the client of the miss sees the engine's usage");

            ResponseCache.Lookup found = cache.get(key(1)).getNow(null);
            assertEquals(CacheOutcome.L1, found.outcome());
            CachedResponse hit = found.response();
            TokenStream again = new TokenStream();
            hit.replay(again);
            TokenStream.Result r = again.await();
            assertEquals("hello!", r.text());
            assertEquals(FinishReason.LENGTH, r.finish().reason());
            assertEquals(new Usage(1, 1, 2, 0, true), r.finish().usage());
            ResponseCache.Stats stats = cache.stats();
            assertEquals(List.of(1L, 0L, 1L, 1L), List.of(stats.l1Hits(), stats.l2Hits(), stats.misses(), stats.stores()));
        }
    }

    @Test
    void unfinishedAnswersAreNeverStored() {
        try (ResponseCache cache = ResponseCache.open(ResponseCacheConfig.DEFAULTS)) {
            FinishReason[] unfinished = {FinishReason.CANCELLED, FinishReason.DEADLINE, FinishReason.ERROR};
            for (int i = 0; i < unfinished.length; i++) {
                answer(cache.recording(key(i), false), unfinished[i]);
                assertEquals(CacheOutcome.MISS, cache.get(key(i)).getNow(null).outcome(), unfinished[i].name());
            }
            answer(cache.recording(key(9), false), FinishReason.STOP);
            assertTrue(cache.get(key(9)).isDone());
            assertEquals(1, cache.stats().stores());
        }
    }

    @Test
    void theInProcessLevelStaysWithinItsBytes() {
        long max = 64 << 10;
        try (ResponseCache cache = ResponseCache.open(new ResponseCacheConfig(true, max, Duration.ofMinutes(1), null))) {
            for (int i = 0; i < 2000; i++) {
                answer(cache.recording(key(i), false), FinishReason.STOP);
            }
            long held = cache.stats().l1Bytes();
            assertTrue(held > max / 2 && held <= max, held + " bytes held");
            long kept = IntStream.range(0, 2000).filter(i -> cache.get(key(i)).getNow(null).outcome().isHit()).count();
            assertTrue(kept < 2000, "nothing was evicted");
        }
    }
}
