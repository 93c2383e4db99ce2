package dev.ferry.engine.sample;

import dev.ferry.engine.api.SamplingParams;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The sampler's definitions written out plainly in double on the host, one row at a time: the
 * reference the device implementation is checked against.
 */
final class HostSampler {

    private HostSampler() {}

    /** Repetition over prompt and output tokens, then frequency and presence over output tokens. */
    static double[] penalize(float[] logits, SamplingParams p, int[] prompt, int[] output) {
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i];
        }
        int[] counts = new int[logits.length];
        boolean[] seen = new boolean[logits.length];
        for (int t : prompt) {
            seen[t] = true;
        }
        for (int t : output) {
            seen[t] = true;
            counts[t]++;
        }
        for (int i = 0; i < out.length; i++) {
            if (seen[i]) {
                out[i] = out[i] > 0 ? out[i] / p.repetitionPenalty() : out[i] * p.repetitionPenalty();
            }
            out[i] -= p.frequencyPenalty() * counts[i] + p.presencePenalty() * (counts[i] > 0 ? 1 : 0);
        }
        return out;
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double z = 0;
        for (float l : logits) {
            z += Math.exp(l - max);
        }
        double lse = max + Math.log(z);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - lse;
        }
        return out;
    }

    /**
     * The distribution a row samples from after temperature, top-k, top-p (within top-k) and
     * min-p, normalised; greedy rows put all mass on the argmax.
     */
    static double[] distribution(double[] logits, SamplingParams p) {
        int v = logits.length;
        double[] probs = new double[v];
        if (p.isGreedy()) {
            probs[argmax(logits)] = 1;
            return probs;
        }
        double max = Arrays.stream(logits).max().orElseThrow();
        for (int i = 0; i < v; i++) {
            probs[i] = Math.exp((logits[i] - max) / p.temperature());
        }
        Integer[] order = IntStream.range(0, v).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -logits[i]));
        int k = p.topK() == 0 ? v : Math.min(p.topK(), v);
        double topKMass = 0;
        for (int r = 0; r < k; r++) {
            topKMass += probs[order[r]];
        }
        boolean[] keep = new boolean[v];
        double before = 0;
        for (int r = 0; r < k; r++) {
            int i = order[r];
            keep[i] = before < p.topP() * topKMass;
            before += probs[i];
        }
        double maxKept = probs[order[0]];
        double total = 0;
        for (int i = 0; i < v; i++) {
            if (!keep[i] || probs[i] < p.minP() * maxKept) {
                probs[i] = 0;
            }
            total += probs[i];
        }
        for (int i = 0; i < v; i++) {
            probs[i] /= total;
        }
        return probs;
    }

    /** The token inverse CDF picks in vocabulary order with the row's uniform at {@code position}. */
    static int draw(double[] logits, SamplingParams p, int position) {
        double[] probs = distribution(logits, p);
        double u = p.isGreedy() ? 0 : (float) Math.min(p.uniform(position), 1 - 0x1p-20);
        double cdf = 0;
        int last = 0;
        for (int i = 0; i < probs.length; i++) {
            cdf += probs[i];
            if (probs[i] > 0) {
                last = i;
                if (cdf > u) {
                    return i;
                }
            }
        }
        return last;
    }
}
