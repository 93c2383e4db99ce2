package dev.ferry.engine.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.metrics.EmbeddingMetrics;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.EncoderBatchConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The batcher with a real tiny BERT: batches form by size and by delay, a client's long list comes
 * back whole and in order however it was split, and a full queue is overload.
 */
class EncoderBatcherTest {
    private static ModelFolder folder;
    private static LoadedEncoder encoder;

    @BeforeAll
    static void load() {
        folder = ModelFolder.open(TinyModels.create("bert", 4));
        encoder = LoadedEncoder.load(folder, LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        encoder.close();
        folder.close();
    }

    private static EncoderBatchConfig config(Duration delay, Integer... sizes) {
        return EncoderBatchConfig.defaults().withMaxQueueDelay(delay).withPreferredBatchSizes(List.of(sizes));
    }

    private static int[] ids(int words) {
        return encoder.encode("word ".repeat(words).trim() + " the quick brown fox");
    }

    @Test
    void aBatchRunsAsSoonAsThePreferredSizeIsReached() throws Exception {
        try (EncoderBatcher b = EncoderBatcher.start(encoder, config(Duration.ofSeconds(30), 4))) {
            List<CompletableFuture<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(b.submit(List.of(ids(i))));
            }
            for (CompletableFuture<float[][]> f : futures) {
                assertEquals(1, f.get(10, TimeUnit.SECONDS).length, "well before the 30 s delay");
            }
            EmbeddingMetrics.Snapshot s = b.metrics().snapshot();
            assertEquals(1, s.batches());
            assertEquals(4, s.histogram(EmbeddingMetrics.Dist.BATCH_SIZE).getMaxValue());
            assertEquals(4, s.embeddings());
        }
    }

    @Test
    void aLoneInputWaitsForTheQueueDelay() throws Exception {
        try (EncoderBatcher b = EncoderBatcher.start(encoder, config(Duration.ofMillis(300), 32))) {
            long t0 = System.nanoTime();
            float[][] v = b.submit(List.of(ids(3))).get(10, TimeUnit.SECONDS);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waitedMs >= 290, "ran after " + waitedMs + " ms, before the 300 ms delay");
            assertArrayEquals(encoder.embed(List.of(ids(3)))[0], v[0], 1e-6f);
            assertTrue(b.metrics().snapshot().histogram(EmbeddingMetrics.Dist.QUEUE_WAIT_US).getMaxValue() >= 290_000);
        }
    }

    @Test
    void aLongListIsSplitAcrossBatchesAndComesBackInOrder() throws Exception {
        try (EncoderBatcher b = EncoderBatcher.start(encoder, config(Duration.ofMillis(1), 4))) {
            List<int[]> inputs = new ArrayList<>();
            for (int i = 0; i < 19; i++) {
                inputs.add(ids((i * 7) % 13)); // varied lengths, so each batch mixes them
            }
            CompletableFuture<float[][]> other = b.submit(List.of(ids(5), ids(1)));
            float[][] vectors = b.submit(inputs).get(30, TimeUnit.SECONDS);
            assertEquals(19, vectors.length);
            for (int i = 0; i < inputs.size(); i++) {
                assertArrayEquals(encoder.embed(List.of(inputs.get(i)))[0], vectors[i], 2e-5f, "input " + i);
            }
            assertEquals(2, other.get(10, TimeUnit.SECONDS).length);
            EmbeddingMetrics.Snapshot s = b.metrics().snapshot();
            assertTrue(s.batches() >= 6, "21 inputs in batches of at most 4: " + s.batches());
            assertEquals(21, s.embeddings());
        }
    }

    @Test
    void aFullQueueIsOverloadAndClosingCancelsWhatWaits() {
        EncoderBatcher b = EncoderBatcher.start(encoder,
                config(Duration.ofSeconds(30), 64).withMaxQueuedInputs(3));
        CompletableFuture<float[][]> waiting = b.submit(List.of(ids(1), ids(2), ids(3)));
        assertThrows(EngineOverloadedException.class, () -> b.submit(List.of(ids(1))));
        assertEquals(1, b.metrics().snapshot().refused());
        InvalidRequestException tooMany = assertThrows(InvalidRequestException.class,
                () -> b.submit(List.of(ids(1), ids(1), ids(1), ids(1))));
        assertEquals("input", tooMany.field());
        InvalidRequestException bad = assertThrows(InvalidRequestException.class,
                () -> b.submit(List.of(ids(1), new int[] {2, 99999, 3})));
        assertTrue(bad.getMessage().startsWith("input[1]:"), bad.getMessage());
        assertFalse(waiting.isDone());
        b.close();
        assertThrows(CancellationException.class, () -> waiting.get(1, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> b.submit(List.of(ids(1))));
    }
}
