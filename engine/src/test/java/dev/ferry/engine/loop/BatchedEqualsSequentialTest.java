package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching must not change what a request generates: 64 concurrent requests of mixed
 * prompt lengths (1 to 300) and max_tokens, through a KV pool small enough to force preemptions,
 * give token for token what each gives alone. The runs are in float64, where batch shape changes
 * sums only far below any greedy margin, so equality is exact (no near-tie exception is taken).
 */
class BatchedEqualsSequentialTest {
    private static final int REQUESTS = 64;
    /** KV pool of the batched run in tokens: far below what 64 requests hold at once. */
    private static final int SMALL_POOL_TOKENS = 1536;

    private static Path model() {
        ModelSpec tiny = ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(41);
        return TinyModels.create("llama-1k", tiny.withMaxPosition(1024));
    }

    @Test
    void greedyWithPreemption() throws Exception {
        check(requests(false, i -> SamplingParams.greedy()), false);
    }

    @Test
    void greedyWithPrefixCachingAndSharedPrefixes() throws Exception {
        EngineMetrics.Snapshot m = check(requests(true, i -> SamplingParams.greedy()), true);
        assertTrue(m.prefixHitTokens() > 0, "shared prefixes must hit the cache");
    }

    @Test
    void seededSamplingWithPreemption() throws Exception {
        check(requests(false, i -> SamplingParams.of(0.8, 0, 0.9, 1000 + i)), true);
    }

    interface Sampling {
        SamplingParams of(int i);
    }

    private static List<GenerateRequest> requests(boolean sharedPrefixes, Sampling sampling) {
        SplittableRandom r = new SplittableRandom(7);
        int[][] prefixes = new int[4][];
        for (int p = 0; p < prefixes.length; p++) {
            prefixes[p] = randomIds(r, 40 + 50 * p);
        }
        List<GenerateRequest> out = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int len = 1 + r.nextInt(300);
            int[] prompt = randomIds(r, len);
            if (sharedPrefixes && i % 4 != 3) {
                int[] pre = prefixes[i % prefixes.length];
                int[] joined = new int[pre.length + len];
                System.arraycopy(pre, 0, joined, 0, pre.length);
                System.arraycopy(prompt, 0, joined, pre.length, len);
                prompt = java.util.Arrays.copyOf(joined, Math.min(joined.length, 300));
            }
            out.add(GenerateRequest.of(prompt, 1 + r.nextInt(40), sampling.of(i)).withIgnoreEos(true));
        }
        return out;
    }

    private static int[] randomIds(SplittableRandom r, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(500);
        }
        return out;
    }

    private static EngineMetrics.Snapshot check(List<GenerateRequest> requests, boolean prefixCaching) throws Exception {
        List<int[]> alone = new ArrayList<>();
        try (ModelFolder folder = ModelFolder.open(model());
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDtype(TensorDtype.F64));
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withPrefixCaching(false))) {
            for (GenerateRequest r : requests) {
                alone.add(engine.submit(r).await().tokenIds());
            }
        }
        try (ModelFolder folder = ModelFolder.open(model());
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDtype(TensorDtype.F64)
                     .withKvCacheMemory(MemoryBudget.ofBytes(SMALL_POOL_TOKENS * folder.config().kvBytesPerToken(8))));
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withPrefixCaching(prefixCaching)
                     .withMaxNumSeqs(64).withMaxNumBatchedTokens(512))) {
            List<TokenStream> streams = new ArrayList<>();
            for (GenerateRequest r : requests) {
                streams.add(engine.submit(r));
            }
            for (int i = 0; i < requests.size(); i++) {
                TokenStream.Result res = streams.get(i).await();
                assertEquals(FinishReason.LENGTH, res.finish().reason(), "request " + i + ": " + res.finish());
                assertArrayEquals(alone.get(i), res.tokenIds(), "request " + i + " (prompt length "
                        + requests.get(i).promptIds().length + ")");
            }
            EngineMetrics.Snapshot m = engine.metrics().snapshot();
            assertTrue(m.preemptions() > 0, "the small pool must force preemptions");
            return m;
        }
    }
}
