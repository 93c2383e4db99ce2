package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several choices of one prompt in one request (OpenAI's n): the prompt is prefilled once and its
 * full KV blocks shared; the choices sample apart, each reproducibly; they end and free together.
 */
class ChoicesTest {
    private static final int BLOCK = ModelRunner.DEFAULT_BLOCK_SIZE;
    private static ModelFolder folder;
    private static ModelRunner runner;

    @BeforeAll
    static void load() throws Exception {
        folder = ModelFolder.open(TinyModels.create("llama", 41));
        runner = ModelRunner.load(folder, LoadOptions.defaults());
    }

    @AfterAll
    static void close() throws Exception {
        runner.close();
        folder.close();
    }

    /** Two full blocks and a partial one. */
    private static int[] prompt() {
        int[] p = new int[2 * BLOCK + 5];
        for (int i = 0; i < p.length; i++) {
            p[i] = 3 + (i * 11) % 400;
        }
        return p;
    }

    private static GenerateRequest sampled(int maxTokens) {
        return GenerateRequest.of(prompt(), maxTokens, SamplingParams.of(1.0, 0, 1.0, 7)).withIgnoreEos(true);
    }

    private static List<TokenStream> submit(Engine engine, GenerateRequest request, int n) {
        List<TokenStream> streams = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            streams.add(new TokenStream());
        }
        RequestHandle handle = engine.submit(request, streams);
        streams.forEach(s -> s.attach(handle));
        return streams;
    }

    private static List<TokenStream.Result> await(List<TokenStream> streams) throws Exception {
        List<TokenStream.Result> out = new ArrayList<>();
        for (TokenStream s : streams) {
            out.add(s.await(Duration.ofSeconds(30)));
        }
        return out;
    }

    /** The loop updates its gauges after the last finish went out: wait for the pool to show it. */
    private static void awaitNoBlocksUsed(Engine engine) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (engine.metrics().snapshot().kvBlocksUsed() != 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(0, engine.metrics().snapshot().kvBlocksUsed(), "every choice's blocks are back");
    }

    @Test
    void fourChoicesPrefillThePromptOnceAndShareItsFullBlocks() throws Exception {
        // 24 tokens a step: the 37-token prompt takes two chunks, so sharing is not a first-block accident
        try (Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withMaxNumBatchedTokens(24))) {
            List<TokenStream.Result> r = await(submit(engine, sampled(8), 4));
            assertEquals(List.of(0, 2 * BLOCK, 2 * BLOCK, 2 * BLOCK),
                    r.stream().map(x -> x.finish().usage().cachedPromptTokens()).toList(),
                    "the first computes the prompt; the others take both full blocks from the cache");
            assertEquals(3 * 2 * BLOCK, engine.metrics().snapshot().prefixHitTokens());
            assertTrue(r.stream().allMatch(x -> x.finish().reason() == FinishReason.LENGTH && x.tokenIds().length == 8));
            assertTrue(r.stream().map(x -> Arrays.toString(x.tokenIds())).collect(Collectors.toSet()).size() > 1,
                    "the choices sample with seeds of their own");
            awaitNoBlocksUsed(engine);

            List<TokenStream.Result> again = await(submit(engine, sampled(8), 4));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(r.get(i).tokenIds(), again.get(i).tokenIds(), "choice " + i + " repeats under its seed");
            }
            assertArrayEquals(r.get(0).tokenIds(), engine.submit(sampled(8)).await().tokenIds(),
                    "choice 0 samples as the request alone would");
        }
    }

    @Test
    void aChoiceThatFailsEndsTheOthers() throws Exception {
        EngineSpec spec = new EngineSpec("failing", folder.tokenizer(), 40, BLOCK, 256, 512, Set.of(510));
        StepExecutor lostDevice = (batch, params, positions, histories, masks, scoredTokens) -> {
            throw new IllegalStateException("device lost");
        };
        try (Engine engine = Engine.start(lostDevice, spec, EngineConfig.DEFAULTS)) {
            List<TokenStream.Result> r = await(submit(engine, sampled(8), 3));
            assertEquals(List.of(FinishReason.ERROR, FinishReason.CANCELLED, FinishReason.CANCELLED),
                    r.stream().map(x -> x.finish().reason()).toList(), "the first fails prefilling; the held ones end too");
            assertTrue(r.get(0).finish().error().contains("device lost"), r.get(0).finish().error());
            awaitNoBlocksUsed(engine);
        }
    }

    @Test
    void cancellingTheRequestEndsEveryChoiceAndFreesTheirBlocks() throws Exception {
        try (Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            CountDownLatch first = new CountDownLatch(1);
            List<TokenStream> streams = submit(engine, sampled(150), 3);
            streams.get(2).onEachToken(t -> first.countDown());
            first.await();
            streams.get(0).handle().cancel();
            for (TokenStream.Result x : await(streams)) {
                assertEquals(FinishReason.CANCELLED, x.finish().reason());
            }
            awaitNoBlocksUsed(engine);
        }
    }
}
