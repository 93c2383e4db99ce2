package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The warm-up runs the first requests' step shapes on the loop's thread before the engine is
 * ready, and leaves nothing behind that a request could see: no KV block, no prefix-cache entry,
 * no metric, no change in what a request generates.
 */
class WarmUpTest {

    /** Records each step's shape and thread; samples token 5 for every row. */
    static final class RecordingExecutor implements StepExecutor {
        record Step(int tokens, int sampledRows, Thread thread) {}

        final List<Step> steps = new CopyOnWriteArrayList<>();

        @Override
        public SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions,
                                    List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
            steps.add(new Step(batch.numTokens(), params.size(), Thread.currentThread()));
            int[] tokens = new int[params.size()];
            java.util.Arrays.fill(tokens, 5);
            return new SampleResult(tokens, new float[tokens.length], new int[tokens.length][0], new float[tokens.length][0]);
        }
    }

    private static EngineSpec spec(ModelFolder folder) {
        return new EngineSpec("warm", folder.tokenizer(), 400, 16, 1024, 512, Set.of(510));
    }

    @Test
    void everyShapeRunsOnTheLoopThreadBeforeStartReturns() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 61))) {
            RecordingExecutor executor = new RecordingExecutor();
            Engine engine = Engine.start(executor, spec(folder), EngineConfig.DEFAULTS.withWarmUp(true));
            List<RecordingExecutor.Step> warm = List.copyOf(executor.steps);
            assertEquals(WarmUp.PREFILL_TOKENS, warm.get(0).tokens(), "a prefill first");
            assertEquals(1, warm.get(0).sampledRows());
            for (int batch = 1; batch <= WarmUp.MAX_DECODE_BATCH; batch *= 2) {
                int b = batch;
                assertEquals(WarmUp.DECODE_STEPS, warm.stream().filter(s -> s.tokens() == b && s.sampledRows() == b)
                        .count(), "decode steps of batch " + batch);
            }
            assertEquals(1 + 7 * WarmUp.DECODE_STEPS, warm.size());

            TokenStream.Result r = engine.submit(GenerateRequest.of(new int[] {1, 2, 3}, 2, SamplingParams.greedy()))
                    .await(Duration.ofSeconds(30));
            assertEquals(2, r.tokenIds().length);
            Thread loop = executor.steps.get(executor.steps.size() - 1).thread();
            assertTrue(warm.stream().allMatch(s -> s.thread() == loop), "warm-up and requests share the loop thread");
            var m = engine.metrics().snapshot();
            assertEquals(1, m.finished().values().stream().mapToLong(Long::longValue).sum(), "only the request counts");
            assertEquals(3, m.promptTokens());
            engine.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void noStepRunsWithoutIt() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 61))) {
            RecordingExecutor executor = new RecordingExecutor();
            Engine engine = Engine.start(executor, spec(folder), EngineConfig.DEFAULTS);
            assertEquals(0, executor.steps.size());
            engine.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void smallLimitsBoundTheShapes() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 61))) {
            RecordingExecutor executor = new RecordingExecutor();
            Engine engine = Engine.start(executor, spec(folder), EngineConfig.DEFAULTS.withWarmUp(true)
                    .withMaxNumSeqs(4).withMaxNumBatchedTokens(100));
            assertTrue(executor.steps.stream().allMatch(s -> s.tokens() <= 100 && s.sampledRows() <= 4),
                    executor.steps.toString());
            assertEquals(100, executor.steps.get(0).tokens());
            engine.shutdown(Duration.ofSeconds(10));
        }
    }

    /** Greedy requests on the real tiny model generate the same with a warm-up as without, and hit no cached prefix. */
    @Test
    void aWarmEngineGeneratesWhatAColdOneDoes() throws Exception {
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 3 + (i * 37) % 500;
        }
        int[][] generated = new int[2][];
        for (int run = 0; run < 2; run++) {
            try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 62));
                 LoadedModel model = LoadedModel.load(folder, LoadOptions.defaults());
                 Engine engine = Engine.start(model, EngineConfig.DEFAULTS.withWarmUp(run == 1))) {
                TokenStream.Result r = engine.submit(GenerateRequest.of(prompt, 16, SamplingParams.greedy())
                        .withIgnoreEos(true)).await(Duration.ofSeconds(60));
                generated[run] = r.tokenIds();
                assertEquals(0, r.finish().usage().cachedPromptTokens(), "no warm-up block is in the prefix cache");
            }
        }
        assertArrayEquals(generated[0], generated[1]);
    }
}
