package dev.ferry.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Picks the next token of every sampled row in one batched computation on the device, with one
 * device-to-host copy per step. Per-row parameters travel as small tensors: temperature, top-k,
 * top-p and the row's uniform number, drawn on the host from (seed, position). Sampling is an
 * inverse-CDF lookup over the sorted, truncated distribution, so a row's result depends only on
 * its own logits and parameters.
 */
public final class Sampler {

    /**
     * @param logits {@code [rows, vocab]} float32
     * @param params one per row
     * @param positions the position each row's token will take (keys the seeded uniform)
     */
    public int[] sample(NDArray logits, List<SamplingParams> params, int[] positions) {
        int rows = params.size();
        boolean anyRandom = false;
        for (SamplingParams p : params) {
            anyRandom |= !p.isGreedy();
        }
        NDArray greedy = logits.argMax(1);
        NDArray chosen = anyRandom ? mixed(logits, greedy, params, positions) : greedy;
        long[] ids = chosen.toLongArray();
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    private NDArray mixed(NDArray logits, NDArray greedy, List<SamplingParams> params, int[] positions) {
        NDManager m = logits.getManager();
        int rows = params.size();
        long vocab = logits.getShape().get(1);
        int k = 0;
        float[] temps = new float[rows];
        float[] topK = new float[rows];
        float[] topP = new float[rows];
        float[] uniform = new float[rows];
        boolean[] isGreedy = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            SamplingParams p = params.get(i);
            isGreedy[i] = p.isGreedy();
            temps[i] = p.isGreedy() ? 1f : (float) p.temperature();
            int rowK = p.topK() == 0 || p.topK() > vocab ? (int) vocab : p.topK();
            topK[i] = rowK;
            topP[i] = (float) p.topP();
            uniform[i] = (float) p.uniform(positions[i]);
            k = Math.max(k, rowK);
        }
        Shape col = new Shape(rows, 1);
        NDArray scaled = logits.div(m.create(temps, col));
        NDList top = scaled.topK(k, 1, true, true);                    // values, indices: [rows, k], descending
        NDArray probs = top.get(0).softmax(1);
        NDArray rank = m.arange(0f, (float) k).reshape(1, k);
        NDArray keep = rank.lt(m.create(topK, col));                   // top-k
        NDArray before = probs.cumSum(1).sub(probs);                   // mass of strictly more likely tokens
        keep = keep.logicalAnd(before.lt(m.create(topP, col)));       // top-p; the first token always stays
        NDArray kept = probs.mul(keep.toType(DataType.FLOAT32, false));
        NDArray cdf = kept.cumSum(1);
        NDArray threshold = cdf.get(":, -1:").mul(m.create(uniform, col));
        NDArray pick = cdf.lte(threshold).sum(new int[] {1}).minimum(k - 1).toType(DataType.INT64, false);
        NDArray sampled = top.get(1).gather(pick.reshape(rows, 1), 1).reshape(rows);
        return NDArrays.where(m.create(isGreedy), greedy, sampled);
    }
}
