package dev.ferry.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.api.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Structured-output masks in the batched sampler: constrained rows pick only allowed tokens, the others are untouched. */
class TokenMasksTest {
    private static final int VOCAB = 130; // past two 64-bit words, so the last word is partial

    private final Sampler sampler = new Sampler();

    private static long[] bits(int... ids) {
        long[] b = new long[(VOCAB + 63) / 64];
        for (int id : ids) {
            b[id >>> 6] |= 1L << id;
        }
        return b;
    }

    private static float[] logits(int rows, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[rows * VOCAB];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * 3;
        }
        return x;
    }

    @Test
    void greedyConstrainedRowTakesTheBestAllowedToken() {
        float[] x = logits(1, 1);
        int[] allowed = {3, 70, 129};
        int best = allowed[0];
        for (int id : allowed) {
            best = x[id] > x[best] ? id : best;
        }
        TokenMasks masks = new TokenMasks();
        masks.add(0, bits(allowed));
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult r = sampler.sample(m.create(x, new Shape(1, VOCAB)), List.of(SamplingParams.greedy()),
                    new int[1], null, masks);
            assertEquals(best, r.tokens()[0]);
        }
    }

    @Test
    void constrainedRowsSampleOnlyAllowedTokensAndUnconstrainedRowsAreUntouched() {
        int rows = 6;
        float[] x = logits(rows, 2);
        List<SamplingParams> params = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            params.add(r % 3 == 0 ? SamplingParams.greedy() : SamplingParams.of(1.0, 0, 1, 100 + r));
        }
        int[] allowed = {5, 64, 65, 127};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int position = 0; position < 30; position++) {
                int[] positions = new int[rows];
                java.util.Arrays.fill(positions, position);
                int[] free = sampler.sample(m.create(x, new Shape(rows, VOCAB)), params, positions, null, null).tokens();
                TokenMasks masks = new TokenMasks();
                masks.add(1, bits(allowed));
                masks.add(3, bits(allowed));
                int[] out = sampler.sample(m.create(x, new Shape(rows, VOCAB)), params, positions, null, masks).tokens();
                for (int r : new int[] {0, 2, 4, 5}) {
                    assertEquals(free[r], out[r], "unconstrained row " + r);
                }
                for (int r : new int[] {1, 3}) {
                    int token = out[r];
                    assertTrue(java.util.Arrays.stream(allowed).anyMatch(a -> a == token), "row " + r + " got " + token);
                }
            }
        }
    }

    @Test
    void logprobsAreTheConstrainedDistribution() {
        float[] x = logits(2, 3);
        int[] allowed = {1, 2, 90};
        TokenMasks masks = new TokenMasks();
        masks.add(0, bits(allowed));
        masks.add(1, bits(allowed));
        List<SamplingParams> params = List.of(SamplingParams.of(1.0, 0, 1, 9).withLogprobs(5),
                SamplingParams.greedy().withLogprobs(5));
        try (NDManager m = NDManager.newBaseManager()) {
            SampleResult r = sampler.sample(m.create(x, new Shape(2, VOCAB)), params, new int[2], null, masks);
            for (int row = 0; row < 2; row++) {
                assertEquals(3, r.topTokenIds()[row].length, "only the allowed tokens are alternatives");
                double mass = 0;
                for (float lp : r.topLogprobs()[row]) {
                    mass += Math.exp(lp);
                }
                assertEquals(1.0, mass, 1e-5);
                int[] sorted = r.topTokenIds()[row].clone();
                java.util.Arrays.sort(sorted);
                assertArrayEquals(allowed, sorted);
            }
        }
    }
}
