package dev.ferry.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batched device sampler against exact host arithmetic on small vocabularies. */
class SamplerTest {
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
            SamplingParams p = new SamplingParams(0.9, 0, 0.95, 42);
            for (int position = 0; position < 40; position++) {
                int alone = sampler.sample(m.create(row, new Shape(1, 6)), List.of(p), new int[] {position})[0];
                float[] batch = new float[18];
                System.arraycopy(new float[] {3f, 0f, 0f, 0f, 0f, 9f}, 0, batch, 0, 6);
                System.arraycopy(row, 0, batch, 6, 6);
                System.arraycopy(new float[] {0f, 0f, 5f, 0f, 0f, 0f}, 0, batch, 12, 6);
                int[] together = sampler.sample(m.create(batch, new Shape(3, 6)),
                        List.of(new SamplingParams(1.3, 2, 1, 7), p, SamplingParams.greedy()), new int[] {3, position, 9});
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
                assertEquals(2, sampler.sample(logits, List.of(new SamplingParams(2, 1, 1, pos)), new int[] {pos})[0]);
                assertEquals(2, sampler.sample(logits, List.of(new SamplingParams(2, 0, 1e-6, pos)), new int[] {pos})[0]);
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
                params.add(new SamplingParams(temperature, 3, 0.9, 1000 + i));
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
}
