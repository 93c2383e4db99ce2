package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.ScoreRequest;
import dev.ferry.engine.api.Scores;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Teacher-forced scoring against the ordinary path: a greedy decode's tokens, fed back as the
 * continuation, must be the model's greedy tokens at every position (agreement 1.0) and score the
 * decode's own log-probabilities.
 */
class ScoringTest {
    private static final int[] PROMPT = {3, 14, 15, 92, 65, 35, 89, 79, 32, 38};
    private static final int ANSWER = 12;
    /** One prefill against one token per step: the same math in other shapes, so float32 rounding differs a little. */
    private static final float TOLERANCE = 2e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void greedyDecodeFedBackAgreesEverywhereWithItsLogprobs(String arch) throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create(arch, 41));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            TokenStream.Result decoded = decode(engine);
            Scores scores = engine.score(new ScoreRequest("s", PROMPT, decoded.tokenIds(), 0)).get(30, TimeUnit.SECONDS);
            assertDecodeScores(decoded, scores);
            var figures = engine.metrics().snapshot();
            assertEquals(1, figures.finished().values().stream().mapToLong(Long::longValue).sum(),
                    "the requests' figures count the decode, not the scoring run");
            assertEquals(1, figures.histogram(EngineMetrics.Dist.E2E_US).getTotalCount());
        }
    }

    /**
     * Chunks of 5 tokens put the scored positions in three steps beside an interactive request; the
     * prompt's first block is in the prefix cache from the decode, but its scored positions are computed again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2"})
    void chunkedBesideInteractiveWorkAndAfterItsPrefixWasCached(String arch) throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create(arch, 43));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withMaxNumBatchedTokens(5))) {
            TokenStream.Result decoded = decode(engine);
            TokenStream interactive = engine.submit(GenerateRequest.of(new int[] {7, 8, 9}, 8, SamplingParams.greedy())
                    .withIgnoreEos(true));
            CompletableFuture<Scores> first = engine.score(new ScoreRequest("a", PROMPT, decoded.tokenIds(), 0));
            CompletableFuture<Scores> again = engine.score(new ScoreRequest("b", PROMPT, decoded.tokenIds(), 0));
            assertDecodeScores(decoded, first.get(30, TimeUnit.SECONDS));
            assertDecodeScores(decoded, again.get(30, TimeUnit.SECONDS));
            assertEquals(FinishReason.LENGTH, interactive.await().finish().reason());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama"})
    void aDifferentContinuationScoresLowerAndBadIdsAreRefused(String arch) throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create(arch, 47));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            int[] greedy = decode(engine).tokenIds();
            int[] other = greedy.clone();
            for (int i = 0; i < other.length; i += 2) {
                other[i] = (greedy[i] + 1) % runner.folder().config().vocabSize();
            }
            Scores scores = engine.score(new ScoreRequest("s", PROMPT, other, 0)).get(30, TimeUnit.SECONDS);
            assertTrue(scores.agreement() < 1, "agreement " + scores.agreement());
            for (int i = 0; i < other.length; i += 2) {
                assertTrue(scores.greedyIds()[i] != other[i], "position " + i + " scored a non-greedy token");
            }
            Scores first = engine.score(new ScoreRequest("one", PROMPT, new int[] {other[0]}, 0)).get(30, TimeUnit.SECONDS);
            assertEquals(scores.greedyIds()[0], first.greedyIds()[0], "a one-token continuation scores the prompt's last row");
            assertEquals(scores.logprobs()[0], first.logprobs()[0], TOLERANCE);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> engine.score(new ScoreRequest("s", PROMPT, new int[] {-1}, 0)));
            assertTrue(e.getMessage().contains("continuation_ids[0]"), e.getMessage());
        }
    }

    private static TokenStream.Result decode(Engine engine) throws InterruptedException {
        TokenStream.Result r = engine.submit(GenerateRequest.of(PROMPT, ANSWER, SamplingParams.greedy().withLogprobs(0))
                .withIgnoreEos(true)).await();
        assertEquals(ANSWER, r.tokenIds().length);
        return r;
    }

    private static void assertDecodeScores(TokenStream.Result decoded, Scores scores) {
        assertArrayEquals(decoded.tokenIds(), scores.greedyIds());
        assertEquals(1.0, scores.agreement());
        double sum = 0;
        for (int i = 0; i < ANSWER; i++) {
            TokenEvent e = decoded.events().get(i);
            assertEquals(e.logprob(), scores.logprobs()[i], TOLERANCE, "logprob at position " + i);
            sum += e.logprob();
        }
        assertEquals(sum / ANSWER, scores.meanLogprob(), TOLERANCE);
    }
}
