package dev.ferry.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.api.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Picks the next token of every sampled row in one batched computation on the device, with one
 * device-to-host copy per step and a number of ops that does not grow with the rows.
 *
 * <p>Order, as vLLM's V0 sampler and transformers apply them: penalties, temperature, top-k,
 * top-p, min-p, sample. (vLLM V1 moved min-p before top-k/top-p; that changes which tokens top-p
 * keeps, since it then measures mass over the min-p survivors. Ferry keeps the order of V0 and
 * transformers.) Top-k, top-p and min-p each keep the tokens at or above a per-row threshold on the
 * scaled logits, so they combine into one threshold per row; tokens tied with the threshold stay.
 * The sorted values that top-k and top-p need are computed only for the rows that use them, and
 * over the whole vocabulary only when a row asks for top-p without top-k.
 *
 * <p>The token is drawn by inverse CDF, in vocabulary order, over the kept tokens, with one uniform
 * number per row drawn on the host from (seed, position): a row's token depends only on its own
 * logits, parameters, position and history, never on its batch companions. Greedy rows take the
 * argmax (its first maximum); beside them, only the sampled rows go through the sampling ops.
 *
 * <p>Log-probabilities are vLLM V1's default "raw_logprobs": log-softmax of the model's logits as
 * they come, before penalties, temperature and truncation, but after a structured-output mask
 * ({@link TokenMasks}): a constrained row reports the distribution it was sampled from, and its
 * top alternatives list only allowed tokens.
 */
public final class Sampler {
    private static final NDIndex ALL = new NDIndex(":, :");
    private static final NDIndex LAST = new NDIndex(":, -1:");
    /** Keeps {@code u * total} clearly below the total in float32, so the draw never passes the last kept token. */
    private static final double MAX_UNIFORM = 1 - 0x1p-20;
    /** Token ids travel to the host as float32, exact below 2^24. */
    private static final long MAX_PACKED_VOCAB = 1L << 24;

    /** {@link #sample(NDArray, List, int[], List, TokenMasks)} with no histories or masks, returning only the tokens. */
    public int[] sample(NDArray logits, List<SamplingParams> params, int[] positions) {
        return sample(logits, params, positions, null, null).tokens();
    }

    /** {@link #sample(NDArray, List, int[], List, TokenMasks, int[])} with no scored rows. */
    public SampleResult sample(NDArray logits, List<SamplingParams> params, int[] positions,
            List<TokenHistory> histories, TokenMasks masks) {
        return sample(logits, params, positions, histories, masks, null);
    }

    /**
     * @param logits {@code [rows, vocab]} float32 (other float types are converted)
     * @param params one per row
     * @param positions the position each row's token will take (keys the seeded uniform)
     * @param histories one per row, null entries (or a null list) for rows without penalties
     * @param masks the allowed tokens of the constrained rows, or null when none is
     * @param scoredTokens per row, a given token whose log-probability the row reports instead of its
     *     sampled one's (teacher-forced scoring), or -1; null when no row scores one. Such rows must ask
     *     for logprobs.
     */
    public SampleResult sample(NDArray logits, List<SamplingParams> params, int[] positions,
            List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
        int rows = params.size();
        Shape shape = logits.getShape();
        if (shape.dimension() != 2 || shape.get(0) != rows || positions.length != rows
                || (histories != null && histories.size() != rows)) {
            throw new IllegalArgumentException("logits " + shape + " must be [rows, vocab] with one params, position"
                    + " (and history, when given) per row; got " + rows + " params, " + positions.length
                    + " positions" + (histories == null ? "" : ", " + histories.size() + " histories"));
        }
        boolean anyRandom = false;
        boolean anyPenalty = false;
        boolean anyLogprobs = false;
        for (int r = 0; r < rows; r++) {
            SamplingParams p = params.get(r);
            anyRandom |= !p.isGreedy();
            anyPenalty |= p.hasPenalties() && histories != null && histories.get(r) != null;
            anyLogprobs |= p.wantsLogprobs();
        }
        boolean constrained = masks != null && !masks.isEmpty();
        if (!anyRandom && !anyPenalty && !anyLogprobs && !constrained) {
            return new SampleResult(GreedyTokens.of(logits), nans(rows), empty(rows), emptyFloats(rows));
        }
        try (NDManager scope = logits.getManager().newSubManager()) {
            // A view owned by the scope, so every temporary derived from it is freed on return.
            NDArray raw = logits.get(scope, ALL).toType(DataType.FLOAT32, false);
            if (constrained) {
                raw = masks.apply(raw);
            }
            NDArray x = anyPenalty ? Penalties.apply(raw, params, histories) : raw;
            NDArray chosen = anyRandom ? choose(x, params, positions) : x.argMax(1);
            if (!anyLogprobs) {
                return new SampleResult(toInts(chosen.toLongArray()), nans(rows), empty(rows), emptyFloats(rows));
            }
            return withLogprobs(raw, chosen, reported(chosen, scoredTokens), params);
        }
    }

    /** Greedy rows take the argmax; the others draw, on their own rows only when greedy rows share the batch. */
    private static NDArray choose(NDArray x, List<SamplingParams> params, int[] positions) {
        int rows = params.size();
        long[] random = new long[rows];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (!params.get(r).isGreedy()) {
                random[n++] = r;
            }
        }
        if (n == rows) {
            return draw(x, params, positions);
        }
        List<SamplingParams> sampledParams = new ArrayList<>(n);
        int[] sampledPositions = new int[n];
        for (int i = 0; i < n; i++) {
            sampledParams.add(params.get((int) random[i]));
            sampledPositions[i] = positions[(int) random[i]];
        }
        NDArray which = x.getManager().create(Arrays.copyOf(random, n));
        NDArray sampled = draw(x.get(which), sampledParams, sampledPositions);
        return x.argMax(1).put(which, sampled);
    }

    /** The chosen token of every (non-greedy) row: inverse CDF over the row's kept tokens. */
    private static NDArray draw(NDArray x, List<SamplingParams> params, int[] positions) {
        NDManager m = x.getManager();
        int rows = params.size();
        long vocab = x.getShape().get(1);
        float[] perRow = new float[rows * 3];         // temperature, uniform, threshold from min-p
        Truncation cut = new Truncation(rows, vocab);
        boolean anyMinP = false;
        for (int r = 0; r < rows; r++) {
            SamplingParams p = params.get(r);
            // After the shift below each row's maximum is 0, so p < minP * pMax is z < ln(minP).
            float minThreshold = p.minP() > 0 ? (float) Math.log(p.minP()) : Float.NEGATIVE_INFINITY;
            perRow[3 * r] = (float) p.temperature();
            perRow[3 * r + 1] = (float) Math.min(p.uniform(positions[r]), MAX_UNIFORM);
            perRow[3 * r + 2] = minThreshold;
            anyMinP |= p.minP() > 0;
            cut.add(r, p, minThreshold);
        }
        NDList cols = m.create(perRow, new Shape(rows, 3)).split(3, 1);  // [rows, 1] each
        NDArray z = x.div(cols.get(0));
        z.subi(z.max(new int[] {1}, true));           // each row's maximum becomes exactly 0
        NDArray weights = z.exp();
        NDArray threshold = cut.isEmpty() ? cols.get(2) : cut.thresholds(z, weights, cols.get(2));
        if (anyMinP || !cut.isEmpty()) {
            try (NDArray keep = z.gte(threshold)) {
                weights.muli(keep);
            }
        }
        z.close();
        NDArray cdf = weights.cumSum(1);
        weights.close();
        NDArray target = cdf.get(LAST).mul(cols.get(1));
        try (NDArray below = cdf.lte(target)) {
            cdf.close();
            return below.sum(new int[] {1});          // the first index whose cdf passes the target
        }
    }

    /** The token each row reports the log-probability of: the chosen one, or the row's scored token. */
    private static NDArray reported(NDArray chosen, int[] scoredTokens) {
        if (scoredTokens == null) {
            return chosen;
        }
        long[] ids = chosen.toLongArray();
        for (int r = 0; r < ids.length; r++) {
            if (scoredTokens[r] >= 0) {
                ids[r] = scoredTokens[r];
            }
        }
        return chosen.getManager().create(ids);
    }

    /** @param reported per row, the token whose log-probability is reported */
    private static SampleResult withLogprobs(NDArray raw, NDArray chosen, NDArray reported, List<SamplingParams> params) {
        NDManager m = raw.getManager();
        int rows = params.size();
        long vocab = raw.getShape().get(1);
        if (vocab > MAX_PACKED_VOCAB) {
            throw new IllegalArgumentException("logprobs need a vocabulary below 2^24 tokens, got " + vocab);
        }
        long[] asking = new long[rows];
        int n = 0;
        int top = 0;
        for (int r = 0; r < rows; r++) {
            SamplingParams p = params.get(r);
            if (p.wantsLogprobs()) {
                asking[n++] = r;
                top = (int) Math.max(top, Math.min(p.logprobs(), vocab));
            }
        }
        NDArray logits = raw;
        NDArray ids = reported;
        if (n < rows) {
            NDArray which = m.create(Arrays.copyOf(asking, n));
            logits = raw.get(which);
            ids = reported.get(which);
        }
        NDArray logprobs = logits.logSoftmax(1);     // [n, vocab]
        NDList parts = new NDList(chosen.toType(DataType.FLOAT32, false),
                logprobs.gather(ids.reshape(n, 1), 1).reshape(n));
        if (top > 0) {
            NDList best = logprobs.topK(top, 1, true, true);   // values, indices: [n, top], descending
            parts.add(best.get(1).toType(DataType.FLOAT32, false).reshape(n * top));
            parts.add(best.get(0).reshape(n * top));
        }
        float[] packed = NDArrays.concat(parts).toFloatArray();   // the one device-to-host copy

        int[] tokens = new int[rows];
        for (int r = 0; r < rows; r++) {
            tokens[r] = (int) packed[r];
        }
        float[] chosenLogprobs = nans(rows);
        int[][] topIds = empty(rows);
        float[][] topLogprobs = emptyFloats(rows);
        int idsAt = rows + n;
        int valuesAt = idsAt + n * top;
        for (int j = 0; j < n; j++) {
            int r = (int) asking[j];
            chosenLogprobs[r] = packed[rows + j];
            int k = finiteCount(packed, valuesAt + j * top, (int) Math.min(params.get(r).logprobs(), vocab));
            topIds[r] = new int[k];
            topLogprobs[r] = Arrays.copyOfRange(packed, valuesAt + j * top, valuesAt + j * top + k);
            for (int t = 0; t < k; t++) {
                topIds[r][t] = (int) packed[idsAt + j * top + t];
            }
        }
        return new SampleResult(tokens, chosenLogprobs, topIds, topLogprobs);
    }

    /** How many of the {@code k} descending values from {@code at} are finite: a masked row's top ends at its last allowed token. */
    private static int finiteCount(float[] values, int at, int k) {
        int n = 0;
        while (n < k && values[at + n] != Float.NEGATIVE_INFINITY) {
            n++;
        }
        return n;
    }

    static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    private static float[] nans(int rows) {
        float[] f = new float[rows];
        Arrays.fill(f, Float.NaN);
        return f;
    }

    private static final int[] NO_IDS = new int[0];
    private static final float[] NO_LOGPROBS = new float[0];

    private static int[][] empty(int rows) {
        int[][] a = new int[rows][];
        Arrays.fill(a, NO_IDS);
        return a;
    }

    private static float[][] emptyFloats(int rows) {
        float[][] a = new float[rows][];
        Arrays.fill(a, NO_LOGPROBS);
        return a;
    }
}
