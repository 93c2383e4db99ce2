package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelPreset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntBinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a sequence is cut into steps must not change what the model computes: prefill all at once,
 * in chunks of 3, token by token, and together with other sequences of different lengths in one
 * flattened batch (prefill chunks of different or equal sizes and decodes mixed) all give the same last-prompt logits (within
 * 1e-4) and the same greedy continuation, for random tiny models of every architecture.
 */
class FlattenedBatchInvariantTest {
    private static final int NEW_TOKENS = 8;
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("llama", TinyModels.create("llama", 11)),
                Arguments.of("mistral", TinyModels.create("mistral", 12)),
                Arguments.of("qwen2", TinyModels.create("qwen2", 13)),
                Arguments.of("gpt2", TinyModels.create("gpt2", 14)),
                Arguments.of("llama with llama3 rope scaling", TinyModels.create("llama-rope-scaled", llama3Scaled())),
                Arguments.of("mistral with sliding window 5", TinyModels.mistralWithWindow(5)));
    }

    private static dev.ferry.store.create.ModelSpec llama3Scaled() {
        return ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(15).withLlama3RopeScaling(true);
    }

    /** Result of running prompts: per prompt, logits at its last position and its greedy tokens. */
    record Outcome(List<float[]> lastLogits, List<int[]> greedy) {}

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void stepShapeDoesNotChangeOutputs(String name, Path dir) {
        int[][] prompts = {random(13, 1), random(7, 2), random(21, 3), random(1, 4)};
        try (ModelFolder folder = ModelFolder.open(dir);
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDevice("cpu"))) {
            Outcome whole = runEach(runner, prompts, (len, done) -> len - done);
            Outcome chunks = runEach(runner, prompts, (len, done) -> Math.min(3, len - done));
            Outcome tokenByToken = runEach(runner, prompts, (len, done) -> 1);
            Outcome together = runTogether(runner, prompts, new int[] {2, 5, 3, 4});
            Outcome togetherInEqualChunks = runTogether(runner, prompts, new int[] {3, 3, 3, 3});
            for (int p = 0; p < prompts.length; p++) {
                for (Outcome other : List.of(chunks, tokenByToken, together, togetherInEqualChunks)) {
                    float[] a = whole.lastLogits().get(p);
                    float[] b = other.lastLogits().get(p);
                    double diff = maxAbsDiff(a, b);
                    assertTrue(diff <= TOLERANCE, name + " prompt " + p + ": logits differ by " + diff);
                    assertArrayEquals(whole.greedy().get(p), other.greedy().get(p), name + " prompt " + p + " greedy tokens");
                }
            }
        }
    }

    /** Each prompt alone; {@code chunk.applyAsInt(promptLen, computed)} tokens per prefill step. */
    private static Outcome runEach(ModelRunner runner, int[][] prompts, IntBinaryOperator chunk) {
        List<float[]> logits = new ArrayList<>();
        List<int[]> greedy = new ArrayList<>();
        for (int[] prompt : prompts) {
            Stepper s = new Stepper(runner, List.of(new Sequence(prompt)));
            while (s.seqs.get(0).numGenerated() < NEW_TOKENS) {
                Sequence q = s.seqs.get(0);
                s.step(new int[] {q.numComputed() < q.promptLength() ? chunk.applyAsInt(q.promptLength(), q.numComputed()) : 1});
            }
            logits.add(s.lastPromptLogits[0]);
            greedy.add(s.seqs.get(0).generated());
            s.release();
        }
        return new Outcome(logits, greedy);
    }

    /**
     * All prompts in one flattened batch: every step mixes prefill chunks of up to {@code
     * chunkSizes[i]} tokens of prompt i with decodes of sequences that finished their prompt, in
     * varying order. Chunks of one size at different context lengths share one attention group
     * ({@link AttentionPlan}), padded and masked to the longest context.
     */
    private static Outcome runTogether(ModelRunner runner, int[][] prompts, int[] chunkSizes) {
        List<Sequence> seqs = new ArrayList<>();
        for (int[] p : prompts) {
            seqs.add(new Sequence(p));
        }
        Stepper s = new Stepper(runner, seqs);
        while (seqs.stream().anyMatch(q -> q.numGenerated() < NEW_TOKENS)) {
            int[] n = new int[seqs.size()];
            for (int i = 0; i < seqs.size(); i++) {
                Sequence q = seqs.get(i);
                n[i] = q.numGenerated() >= NEW_TOKENS ? 0 : Math.min(chunkSizes[i], q.numUncomputed());
            }
            s.step(n);
        }
        Outcome o = new Outcome(Arrays.asList(s.lastPromptLogits), seqs.stream().map(Sequence::generated).toList());
        s.release();
        return o;
    }

    /** Drives sequences through the runner, sampling greedily when a span reaches the end of its tokens. */
    private static final class Stepper {
        final ModelRunner runner;
        final List<Sequence> seqs;
        final KvManager kv;
        final float[][] lastPromptLogits;
        int stepCount;

        Stepper(ModelRunner runner, List<Sequence> seqs) {
            this.runner = runner;
            this.seqs = seqs;
            this.kv = KvManager.withoutPrefixCaching(runner.kvSpec());
            this.lastPromptLogits = new float[seqs.size()][];
        }

        void step(int[] counts) {
            int bs = runner.kvSpec().blockSize();
            BatchBuilder b = new BatchBuilder(bs);
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < seqs.size(); k++) {
                // alternate the order of sequences in the batch so decodes and prefills interleave differently
                int i = stepCount % 2 == 0 ? k : seqs.size() - 1 - k;
                if (counts[i] == 0) {
                    continue;
                }
                Sequence q = seqs.get(i);
                assertTrue(kv.allocate(q, counts[i]));
                b.add(q, counts[i]);
                order.add(i);
            }
            stepCount++;
            try (NDManager step = runner.newStepManager()) {
                NDArray logits = runner.forward(b.build(), step);
                int row = 0;
                for (int i : order) {
                    Sequence q = seqs.get(i);
                    q.markComputed(counts[i]);
                    if (q.numUncomputed() > 0) {
                        continue;
                    }
                    NDArray r = logits.get(row++);
                    if (q.numGenerated() == 0) {
                        lastPromptLogits[i] = r.toFloatArray();
                    }
                    q.append((int) r.argMax().getLong());
                }
            }
        }

        void release() {
            seqs.forEach(kv::free);
        }
    }

    private static int[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(500);
        }
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
