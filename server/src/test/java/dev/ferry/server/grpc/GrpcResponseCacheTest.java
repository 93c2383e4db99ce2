package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cached answer over gRPC: the same stream of tokens and text, {@code usage.cached} set, and the
 * level that answered in the {@code x-ferry-cache} trailer.
 */
class GrpcResponseCacheTest {
    @TempDir
    static Path store;
    static GrpcTestServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new GrpcTestServer(store, ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS,
                FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    /** The ids and text of a Generate stream, and its finish. */
    record Streamed(List<Integer> ids, String text, Finish finish) {}

    static Streamed generate(int maxTokens) {
        List<Integer> ids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Finish finish = null;
        for (var it = t.blocking().generate(GrpcInferenceTest.greedy(maxTokens).build()); it.hasNext(); ) {
            GenerateResponse r = it.next();
            ids.addAll(r.getTokenIdsList());
            text.append(r.getText());
            if (r.hasFinish()) {
                finish = r.getFinish();
            }
        }
        return new Streamed(ids, text.toString(), finish);
    }

    @Test
    void aRepeatedGenerateStreamsTheSameAnswerMarkedCached() {
        Streamed first = generate(20);
        Streamed second = generate(20);
        assertFalse(first.finish().getUsage().getCached());
        assertTrue(second.finish().getUsage().getCached());
        assertEquals(first.ids(), second.ids());
        assertEquals(first.text(), second.text());
        assertEquals(first.finish().getReason(), second.finish().getReason());
        assertEquals(first.finish().getUsage().getCompletionTokens(), second.finish().getUsage().getCompletionTokens());
        assertEquals(second.finish().getUsage().getPromptTokens(), second.finish().getUsage().getCachedPromptTokens());
    }

    /** The {@code x-ferry-cache} trailer of one Generate (read to its end) or Complete call. */
    static String level(boolean stream, int maxTokens) {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var stub = t.blocking().withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        if (stream) {
            stub.generate(GrpcInferenceTest.greedy(maxTokens).build()).forEachRemaining(r -> { });
        } else {
            stub.complete(GrpcInferenceTest.greedy(maxTokens).build());
        }
        return trailers.get().get(CacheTrailer.KEY);
    }

    @Test
    void theTrailersSayWhichLevelAnswered() {
        assertEquals("miss", level(true, 14));
        assertEquals("l1", level(true, 14));
        assertEquals("l1", level(false, 14));
        assertEquals("miss", level(false, 15));
    }

    @Test
    void completeAnswersFromTheSameCache() {
        Streamed streamed = generate(12);
        CompleteResponse complete = t.blocking().complete(GrpcInferenceTest.greedy(12).build());
        assertTrue(complete.getFinish().getUsage().getCached());
        assertEquals(streamed.ids(), complete.getTokenIdsList());
        assertEquals(streamed.text(), complete.getText());
    }
}
