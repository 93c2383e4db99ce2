package dev.ferry.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.api.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The batched device sampler against exact host arithmetic ({@link HostSampler}) on small vocabularies. */
class SamplerTest {
    private static final int VOCAB = 50;

    private final Sampler sampler = new Sampler();

    @Test
    void greedyIsArgmaxPerRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {0.1f, 2f, -1f, 0f, 5f, 3f, 4f, -2f, 1f}, new Shape(3, 3));
            int[] out = sampler.sample(logits, List.of(SamplingParams.greedy(), SamplingParams.greedy(), SamplingParams.greedy()),
                    new int[] {0, 0, 0});
            assertArrayEquals(new int[] {1, 1, 0}, out);
        }
    }

    @Test
    void seededRowDoesNotDependOnBatchCompanions() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] row = {1f, 1.5f, 0.2f, 2f, -1f, 0.7f};
            SamplingParams p = SamplingParams.of(0.9, 0, 0.95, 42);
            for (int position = 0; position < 40; position++) {
                int alone = sampler.sample(m.create(row, new Shape(1, 6)), List.of(p), new int[] {position})[0];
                float[] batch = new float[18];
                System.arraycopy(new float[] {3f, 0f, 0f, 0f, 0f, 9f}, 0, batch, 0, 6);
                System.arraycopy(row, 0, batch, 6, 6);
                System.arraycopy(new float[] {0f, 0f, 5f, 0f, 0f, 0f}, 0, batch, 12, 6);
                int[] together = sampler.sample(m.create(batch, new Shape(3, 6)),
                        List.of(SamplingParams.of(1.3, 2, 1, 7), p, SamplingParams.greedy()), new int[] {3, position, 9});
                assertEquals(alone, together[1], "position " + position);
                assertEquals(2, together[2]);
            }
        }
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {0.3f, 0.1f, 0.9f, 0.8f}, new Shape(1, 4));
            for (int pos = 0; pos < 20; pos++) {
                assertEquals(2, sampler.sample(logits, List.of(SamplingParams.of(2, 1, 1, pos)), new int[] {pos})[0]);
                assertEquals(2, sampler.sample(logits, List.of(SamplingParams.of(2, 0, 1e-6, pos)), new int[] {pos})[0]);
                assertEquals(2, sampler.sample(logits, List.of(SamplingParams.of(2, 0, 1, pos).withMinP(1)),
                        new int[] {pos})[0]);
            }
        }
    }

    /** Frequencies over many seeds follow the truncated, renormalised softmax (top-k 3, top-p 0.9). */
    @Test
    void frequenciesFollowTheTruncatedDistribution() {
        float[] logits = {2f, 1f, 0.5f, 0f, -1f};
        double temperature = 0.7;
        int n = 4000;
        try (NDManager m = NDManager.newBaseManager()) {
            List<SamplingParams> params = new ArrayList<>();
            int[] positions = new int[n];
            float[] rows = new float[n * logits.length];
            for (int i = 0; i < n; i++) {
                params.add(SamplingParams.of(temperature, 3, 0.9, 1000 + i));
                System.arraycopy(logits, 0, rows, i * logits.length, logits.length);
            }
            int[] out = sampler.sample(m.create(rows, new Shape(n, logits.length)), params, positions);
            double[] p = new double[logits.length];
            double z = 0;
            for (int i = 0; i < 3; i++) {
                p[i] = Math.exp(logits[i] / temperature);
                z += p[i];
            }
            double cumulative = 0;
            double kept = 0;
            for (int i = 0; i < 3; i++) {
                p[i] /= z;
                if (cumulative < 0.9) {
                    kept += p[i];
                } else {
                    p[i] = 0;
                }
                cumulative += p[i] == 0 ? 1 : p[i];
            }
            int[] counts = new int[logits.length];
            for (int t : out) {
                counts[t]++;
            }
            for (int i = 0; i < logits.length; i++) {
                double expected = p[i] / kept;
                double observed = counts[i] / (double) n;
                assertTrue(Math.abs(observed - expected) < 0.03, "token " + i + ": " + observed + " vs " + expected);
            }
        }
    }

    /** min-p 0.1 and top-p 0.8 over one row of 50 random logits: frequencies over 6000 seeds. */
    @Test
    void minPAndTopPFrequenciesFollowTheTruncatedDistribution() {
        Random rnd = new Random(11);
        float[] row = randomLogits(rnd, VOCAB, 1.5);
        SamplingParams base = SamplingParams.of(0.8, 0, 0.8, 0).withMinP(0.1);
        double[] expected = HostSampler.distribution(toDouble(row), base);
        int kept = (int) Arrays.stream(expected).filter(x -> x > 0).count();
        assertTrue(kept >= 3 && kept < VOCAB / 2, "fixture keeps " + kept + " tokens");
        int n = 6000;
        try (NDManager m = NDManager.newBaseManager()) {
            List<SamplingParams> params = new ArrayList<>();
            float[] rows = new float[n * VOCAB];
            for (int i = 0; i < n; i++) {
                params.add(base.withSeed(5000 + i));
                System.arraycopy(row, 0, rows, i * VOCAB, VOCAB);
            }
            int[] out = sampler.sample(m.create(rows, new Shape(n, VOCAB)), params, new int[n]);
            int[] counts = new int[VOCAB];
            for (int t : out) {
                counts[t]++;
            }
            for (int i = 0; i < VOCAB; i++) {
                double observed = counts[i] / (double) n;
                if (expected[i] == 0) {
                    assertEquals(0, counts[i], "token " + i + " is truncated away");
                } else {
                    double sigma = Math.sqrt(expected[i] * (1 - expected[i]) / n);
                    assertTrue(Math.abs(observed - expected[i]) < 5 * sigma + 1e-3,
                            "token " + i + ": " + observed + " vs " + expected[i]);
                }
            }
        }
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        checkPenalties(r -> SamplingParams.of(1, 0, 1, r).withRepetitionPenalty(r % 2 == 0 ? 1.3 : 0.7));
    }

    @Test
    void presencePenaltySubtractsOncePerOutputToken() {
        checkPenalties(r -> SamplingParams.of(1, 0, 1, r).withPresencePenalty(r % 2 == 0 ? 1.5 : -0.5));
    }

    @Test
    void frequencyPenaltySubtractsPerOutputOccurrence() {
        checkPenalties(r -> SamplingParams.of(1, 0, 1, r).withFrequencyPenalty(r % 2 == 0 ? 0.4 : -1.2));
    }

    @Test
    void combinedPenaltiesApplyRepetitionThenSubtract() {
        checkPenalties(r -> SamplingParams.of(1, 0, 1, r).withRepetitionPenalty(1.2 + 0.1 * r)
                .withPresencePenalty(0.3).withFrequencyPenalty(0.25 * (r - 2)));
    }

    /** Rows with penalties and histories, next to rows without either, compared logit by logit. */
    private void checkPenalties(IntFunction<SamplingParams> penalised) {
        Random rnd = new Random(3);
        int rows = 6;
        float[] logits = randomLogits(rnd, rows * VOCAB, 2);
        List<SamplingParams> params = new ArrayList<>();
        List<TokenHistory> histories = new ArrayList<>();
        int[][] prompts = new int[rows][];
        int[][] outputs = new int[rows][];
        for (int r = 0; r < rows; r++) {
            prompts[r] = randomTokens(rnd, 12);
            outputs[r] = randomTokens(rnd, 20);         // repeats, so counts reach 2 and more
            params.add(r == 4 ? SamplingParams.of(1, 0, 1, r) : penalised.apply(r));
            histories.add(r == 5 ? null : history(prompts[r], outputs[r]));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = Penalties.apply(m.create(logits, new Shape(rows, VOCAB)), params, histories).toFloatArray();
            for (int r = 0; r < rows; r++) {
                float[] row = Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
                double[] want = r >= 4 ? toDouble(row) : HostSampler.penalize(row, params.get(r), prompts[r], outputs[r]);
                for (int t = 0; t < VOCAB; t++) {
                    assertEquals(want[t], got[r * VOCAB + t], 1e-5, "row " + r + " token " + t);
                }
            }
        }
    }

    @Test
    void penalisedGreedyPicksTheHostArgmax() {
        Random rnd = new Random(5);
        int rows = 40;
        float[] logits = randomLogits(rnd, rows * VOCAB, 1);
        List<SamplingParams> params = new ArrayList<>();
        List<TokenHistory> histories = new ArrayList<>();
        int[] expected = new int[rows];
        int changed = 0;
        for (int r = 0; r < rows; r++) {
            int[] prompt = randomTokens(rnd, 5);
            int[] output = randomTokens(rnd, 8);
            SamplingParams p = SamplingParams.greedy().withRepetitionPenalty(2).withFrequencyPenalty(0.5);
            float[] row = Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
            expected[r] = HostSampler.argmax(HostSampler.penalize(row, p, prompt, output));
            changed += expected[r] != HostSampler.argmax(toDouble(row)) ? 1 : 0;
            params.add(p);
            histories.add(history(prompt, output));
        }
        assertTrue(changed > 0, "the fixture should move some argmaxes");
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult res = sampler.sample(m.create(logits, new Shape(rows, VOCAB)), params, new int[rows], histories, null);
            assertArrayEquals(expected, res.tokens());
        }
    }

    /** Every feature at once, per row, against the host's inverse CDF with the same uniform. */
    @Test
    void drawsMatchTheHostInverseCdf() {
        Random rnd = new Random(7);
        int rows = 64;
        int steps = 8;
        Batch b = randomBatch(rnd, rows);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 0; step < steps; step++) {
                int[] positions = new int[rows];
                Arrays.fill(positions, 100 + step);
                SampleResult res = sampler.sample(m.create(b.logits, new Shape(rows, VOCAB)), b.params, positions,
                        b.histories(), null);
                for (int r = 0; r < rows; r++) {
                    assertEquals(b.hostDraw(r, positions[r]), res.tokens()[r], "row " + r + " " + b.params.get(r));
                }
            }
        }
    }

    /**
     * A long, light tail that the sort prefilter removes still counts in top-p's total: with it the
     * tenth token stays (mass before it 8.65 < 0.9 * 9.66), without it it would go (8.65 > 0.9 * 9.56).
     */
    @Test
    void topPCountsTheMassOfAPrefilteredTail() {
        float[] row = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            row[i] = i < 10 ? -0.01f * i : -6f;
        }
        SamplingParams p = SamplingParams.of(1, 0, 0.9, 99);
        double[] expected = HostSampler.distribution(toDouble(row), p);
        assertTrue(expected[9] > 0 && expected[10] == 0);
        int n = 400;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] rows = new float[n * VOCAB];
            int[] positions = new int[n];
            List<SamplingParams> params = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                System.arraycopy(row, 0, rows, i * VOCAB, VOCAB);
                positions[i] = i;
                params.add(p);
            }
            int[] out = sampler.sample(m.create(rows, new Shape(n, VOCAB)), params, positions);
            int tenth = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(HostSampler.draw(toDouble(row), p, i), out[i], "position " + i);
                tenth += out[i] == 9 ? 1 : 0;
            }
            assertTrue(tenth > 0, "the tenth token is drawn");
        }
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheMostLikely() {
        Random rnd = new Random(13);
        float[] row = randomLogits(rnd, VOCAB, 2);
        double[] raw = toDouble(row);
        double[] full = HostSampler.distribution(raw, SamplingParams.of(1, 0, 1, 0));
        double max = Arrays.stream(full).max().orElseThrow();
        int n = 2000;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] rows = new float[n * VOCAB];
            List<SamplingParams> params = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                System.arraycopy(row, 0, rows, i * VOCAB, VOCAB);
                params.add(SamplingParams.of(1, 0, 1, i).withMinP(0.2));
            }
            int[] out = sampler.sample(m.create(rows, new Shape(n, VOCAB)), params, new int[n]);
            boolean[] seen = new boolean[VOCAB];
            for (int t : out) {
                assertTrue(full[t] >= 0.2 * max, "token " + t + " has p " + full[t] + " < 0.2 * " + max);
                seen[t] = true;
            }
            for (int t = 0; t < VOCAB; t++) {
                if (full[t] >= 0.2 * max) {
                    assertTrue(seen[t], "token " + t + " survives min-p but was never drawn");
                }
            }
        }
    }

    @Test
    void logprobsAreTheRawLogSoftmaxWithTopNSortedDescending() {
        Random rnd = new Random(17);
        int rows = 5;
        float[] logits = randomLogits(rnd, rows * VOCAB, 2);
        int[] prompt = randomTokens(rnd, 10);
        List<SamplingParams> params = List.of(
                SamplingParams.greedy().withLogprobs(5),
                SamplingParams.of(0.7, 10, 0.9, 3).withLogprobs(0),
                SamplingParams.of(1.1, 0, 1, 4),
                SamplingParams.of(0.9, 0, 0.95, 5).withLogprobs(20).withRepetitionPenalty(1.5),
                SamplingParams.greedy().withLogprobs(1));
        List<TokenHistory> histories = Arrays.asList(null, null, null, history(prompt, new int[0]), null);
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult res = sampler.sample(m.create(logits, new Shape(rows, VOCAB)), params, new int[] {1, 2, 3, 4, 5},
                    histories, null);
            for (int r = 0; r < rows; r++) {
                float[] row = Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
                double[] lp = HostSampler.logSoftmax(row);   // raw: before the penalty of row 3
                int n = params.get(r).logprobs();
                if (n < 0) {
                    assertTrue(Float.isNaN(res.logprobs()[r]));
                    assertEquals(0, res.topTokenIds()[r].length);
                    assertEquals(0, res.topLogprobs()[r].length);
                    continue;
                }
                assertEquals(lp[res.tokens()[r]], res.logprobs()[r], 1e-5, "row " + r);
                Integer[] order = sortedDescending(lp);
                assertEquals(n, res.topTokenIds()[r].length);
                assertEquals(n, res.topLogprobs()[r].length);
                for (int t = 0; t < n; t++) {
                    assertEquals(order[t], res.topTokenIds()[r][t], "row " + r + " rank " + t);
                    assertEquals(lp[order[t]], res.topLogprobs()[r][t], 1e-5, "row " + r + " rank " + t);
                }
            }
        }
    }

    @Test
    void greedyRowsWithLogprobsGetTheArgmaxAndItsLogprob() {
        Random rnd = new Random(29);
        float[] logits = randomLogits(rnd, 2 * VOCAB, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult res = sampler.sample(m.create(logits, new Shape(2, VOCAB)),
                    List.of(SamplingParams.greedy().withLogprobs(3), SamplingParams.greedy()), new int[2], null, null);
            float[] row = Arrays.copyOf(logits, VOCAB);
            double[] lp = HostSampler.logSoftmax(row);
            int best = HostSampler.argmax(toDouble(row));
            assertEquals(best, res.tokens()[0]);
            assertEquals(best, res.topTokenIds()[0][0]);
            assertEquals(lp[best], res.logprobs()[0], 1e-5);
            assertEquals(HostSampler.argmax(toDouble(Arrays.copyOfRange(logits, VOCAB, 2 * VOCAB))), res.tokens()[1]);
            assertTrue(Float.isNaN(res.logprobs()[1]));
        }
    }

    /** Each row of a batch mixing every feature gives what it gives alone, logprobs included. */
    @Test
    void rowsDoNotDependOnBatchCompanionsWithMixedFeatures() {
        Random rnd = new Random(19);
        int rows = 24;
        Batch b = randomBatch(rnd, rows);
        int[] positions = rnd.ints(rows, 0, 1000).toArray();
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult together = sampler.sample(m.create(b.logits, new Shape(rows, VOCAB)), b.params, positions,
                    b.histories(), null);
            for (int r = 0; r < rows; r++) {
                float[] row = Arrays.copyOfRange(b.logits, r * VOCAB, (r + 1) * VOCAB);
                SampleResult alone = sampler.sample(m.create(row, new Shape(1, VOCAB)), List.of(b.params.get(r)),
                        new int[] {positions[r]}, Arrays.asList(b.histories().get(r)), null);
                String what = "row " + r + " " + b.params.get(r);
                assertEquals(alone.tokens()[0], together.tokens()[r], what);
                assertEquals(alone.logprobs()[0], together.logprobs()[r], 0f, what);
                assertArrayEquals(alone.topTokenIds()[0], together.topTokenIds()[r], what);
                assertArrayEquals(alone.topLogprobs()[0], together.topLogprobs()[r], 0f, what);
            }
        }
    }

    /** Greedy rows beside a sampled row take the argmax, ties going to the first maximum. */
    @Test
    void greedyRowsInAMixedBatchTakeTheFirstMaximum() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {1f, 3f, 3f, 0f, 2f, 2f, 1f, 2f, 1f, 1f, 1f, 1f};
            SampleResult res = sampler.sample(m.create(logits, new Shape(3, 4)),
                    List.of(SamplingParams.greedy(), SamplingParams.greedy(), SamplingParams.of(1, 0, 1, 1)),
                    new int[3], null, null);
            assertEquals(1, res.tokens()[0]);
            assertEquals(0, res.tokens()[1]);
        }
    }

    @Test
    void allGreedyIsArgmaxAndLeavesNoArraysBehind() {
        Random rnd = new Random(23);
        int rows = 8;
        float[] logits = randomLogits(rnd, rows * VOCAB, 1);
        List<SamplingParams> params = new ArrayList<>();
        List<TokenHistory> histories = new ArrayList<>();
        int[] expected = new int[rows];
        for (int r = 0; r < rows; r++) {
            // Penalties without a history change nothing, so these rows stay on the argmax path too.
            params.add(r % 2 == 0 ? SamplingParams.greedy() : SamplingParams.greedy().withRepetitionPenalty(3));
            histories.add(null);
            expected[r] = HostSampler.argmax(toDouble(Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB)));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(logits, new Shape(rows, VOCAB));
            int before = m.getManagedArrays().size();
            SampleResult res = sampler.sample(x, params, new int[rows], histories, null);
            assertArrayEquals(expected, res.tokens());
            for (int r = 0; r < rows; r++) {
                assertTrue(Float.isNaN(res.logprobs()[r]));
                assertEquals(0, res.topTokenIds()[r].length);
            }
            assertEquals(before, m.getManagedArrays().size(), "the fast path closes its argmax");
            Batch b = randomBatch(rnd, rows);
            sampler.sample(m.create(b.logits, new Shape(rows, VOCAB)), b.params, new int[rows], b.histories(), null);
            assertEquals(before + 1, m.getManagedArrays().size(), "the full path frees its temporaries");
        }
    }

    @Test
    void singleRowKeepsItsShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult res = sampler.sample(m.create(new float[] {0f, 1f, 5f}, new Shape(1, 3)),
                    List.of(SamplingParams.of(0.5, 2, 0.9, 1).withLogprobs(2)), new int[] {0}, null, null);
            assertEquals(2, res.tokens()[0]);
            assertArrayEquals(new int[] {2, 1}, res.topTokenIds()[0]);
        }
    }

    @Test
    void validationNamesTheField() {
        SamplingParams ok = SamplingParams.of(1, 0, 1, 0);
        assertMessage("temperature", () -> SamplingParams.of(-0.1, 0, 1, 0));
        assertMessage("temperature", () -> SamplingParams.of(Double.NaN, 0, 1, 0));
        assertMessage("top_k", () -> SamplingParams.of(1, -1, 1, 0));
        assertMessage("top_p", () -> SamplingParams.of(1, 0, 0, 0));
        assertMessage("top_p", () -> SamplingParams.of(1, 0, 1.01, 0));
        assertMessage("min_p", () -> ok.withMinP(-0.01));
        assertMessage("min_p", () -> ok.withMinP(1.5));
        assertMessage("repetition_penalty", () -> ok.withRepetitionPenalty(0));
        assertMessage("repetition_penalty", () -> ok.withRepetitionPenalty(Double.POSITIVE_INFINITY));
        assertMessage("presence_penalty", () -> ok.withPresencePenalty(2.5));
        assertMessage("presence_penalty", () -> ok.withPresencePenalty(Double.NaN));
        assertMessage("frequency_penalty", () -> ok.withFrequencyPenalty(-2.01));
        assertMessage("logprobs", () -> ok.withLogprobs(-2));
        assertMessage("logprobs", () -> ok.withLogprobs(21));
        ok.withMinP(1).withRepetitionPenalty(0.5).withPresencePenalty(-2).withFrequencyPenalty(2).withLogprobs(20);
        assertTrue(ok.withPresencePenalty(0.1).hasPenalties());
        assertTrue(!ok.hasPenalties() && !ok.wantsLogprobs() && ok.withLogprobs(0).wantsLogprobs());
    }

    @Test
    void historyTokensOutsideTheVocabularyAreRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sampler.sample(m.create(new float[4], new Shape(1, 4)),
                            List.of(SamplingParams.greedy().withPresencePenalty(1)), new int[1],
                            List.of(history(new int[0], new int[] {7})), null));
            assertTrue(e.getMessage().contains("token 7"), e.getMessage());
        }
    }

    private static void assertMessage(String field, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(field + " must"), e.getMessage());
    }

    // ---- fixtures

    /** Rows of random logits, each with its own mix of features and (for some) a token history. */
    private record Batch(float[] logits, List<SamplingParams> params, int[][] prompts, int[][] outputs) {
        List<TokenHistory> histories() {
            List<TokenHistory> h = new ArrayList<>();
            for (int r = 0; r < params.size(); r++) {
                h.add(prompts[r] == null ? null : history(prompts[r], outputs[r]));
            }
            return h;
        }

        int hostDraw(int r, int position) {
            float[] row = Arrays.copyOfRange(logits, r * VOCAB, (r + 1) * VOCAB);
            double[] x = prompts[r] == null ? toDouble(row) : HostSampler.penalize(row, params.get(r), prompts[r], outputs[r]);
            return HostSampler.draw(x, params.get(r), position);
        }
    }

    private static Batch randomBatch(Random rnd, int rows) {
        float[] logits = randomLogits(rnd, rows * VOCAB, 2);
        List<SamplingParams> params = new ArrayList<>();
        int[][] prompts = new int[rows][];
        int[][] outputs = new int[rows][];
        for (int r = 0; r < rows; r++) {
            boolean greedy = rnd.nextInt(5) == 0;
            double temperature = greedy ? 0 : 0.5 + rnd.nextDouble();
            int topK = new int[] {0, 0, 1, 3, 10, 20, 60}[rnd.nextInt(7)];
            double topP = rnd.nextBoolean() ? 1 : 0.5 + 0.5 * rnd.nextDouble();
            SamplingParams p = SamplingParams.of(temperature, topK, topP, rnd.nextLong());
            if (rnd.nextBoolean()) {
                p = p.withMinP(rnd.nextDouble() * 0.3);
            }
            if (rnd.nextInt(3) == 0) {
                p = p.withLogprobs(rnd.nextInt(6) - 1);
            }
            if (rnd.nextBoolean()) {
                p = p.withRepetitionPenalty(0.6 + rnd.nextDouble()).withPresencePenalty(rnd.nextDouble() - 0.5)
                        .withFrequencyPenalty(rnd.nextDouble() - 0.5);
                prompts[r] = randomTokens(rnd, 10);
                outputs[r] = randomTokens(rnd, 15);
            }
            params.add(p);
        }
        return new Batch(logits, params, prompts, outputs);
    }

    private static TokenCounts history(int[] prompt, int[] output) {
        TokenCounts h = new TokenCounts();
        h.addPrompt(prompt);
        for (int t : output) {
            h.addOutput(t);
        }
        return h;
    }

    private static float[] randomLogits(Random rnd, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * scale);
        }
        return x;
    }

    private static int[] randomTokens(Random rnd, int n) {
        return rnd.ints(n, 0, VOCAB).toArray();
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static Integer[] sortedDescending(double[] x) {
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(x[b], x[a]));
        return order;
    }
}
