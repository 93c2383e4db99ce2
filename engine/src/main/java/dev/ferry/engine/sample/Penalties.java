package dev.ferry.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.api.SamplingParams;
import java.util.Arrays;
import java.util.List;

/**
 * Repetition, presence and frequency penalties as one gather-adjust-scatter over the flattened
 * logits: the host lists one entry per (row, seen token) with its parameters, the device adjusts
 * exactly those logits. The op count is the same for one row or hundreds.
 *
 * <p>Definitions, as vLLM applies them (repetition as transformers' RepetitionPenaltyLogitsProcessor,
 * presence and frequency as OpenAI's API): for a token seen in the prompt or the output, a positive
 * logit is divided by the repetition penalty and a negative one multiplied by it; then
 * {@code frequency * outputCount + presence * (outputCount > 0 ? 1 : 0)} is subtracted.
 */
final class Penalties {

    private Penalties() {}

    /**
     * @param logits {@code [rows, vocab]} float32
     * @param histories one per row, null for rows without; a row is penalised when it has both a history
     *     and penalties
     * @return a penalised copy of {@code logits}, or {@code logits} itself when no logit changes
     */
    static NDArray apply(NDArray logits, List<SamplingParams> params, List<TokenHistory> histories) {
        long vocab = logits.getShape().get(1);
        int capacity = 0;
        for (int r = 0; r < params.size(); r++) {
            TokenHistory h = histories.get(r);
            if (h != null && params.get(r).hasPenalties()) {
                capacity += h.size();
            }
        }
        long[] index = new long[capacity];
        float[] repetition = new float[capacity];
        float[] subtract = new float[capacity];
        int n = 0;
        for (int r = 0; r < params.size(); r++) {
            SamplingParams p = params.get(r);
            TokenHistory h = histories.get(r);
            if (h == null || !p.hasPenalties()) {
                continue;
            }
            for (int i = 0; i < h.size(); i++) {
                int token = h.token(i);
                if (token < 0 || token >= vocab) {
                    throw new IllegalArgumentException("token history of row " + r + " holds token " + token
                            + ", outside the vocabulary (0.." + (vocab - 1) + ")");
                }
                int count = h.outputCount(i);
                boolean seen = count > 0 || h.inPrompt(i);
                double sub = p.frequencyPenalty() * count + (count > 0 ? p.presencePenalty() : 0);
                if (!seen || (p.repetitionPenalty() == 1 && sub == 0)) {
                    continue;
                }
                index[n] = r * vocab + token;
                repetition[n] = (float) p.repetitionPenalty();
                subtract[n] = (float) sub;
                n++;
            }
        }
        if (n == 0) {
            return logits;
        }
        NDManager m = logits.getManager();
        float[] values = new float[2 * n];
        System.arraycopy(repetition, 0, values, 0, n);
        System.arraycopy(subtract, 0, values, n, n);
        NDArray idx = m.create(n == capacity ? index : Arrays.copyOf(index, n));
        NDList v = m.create(values, new Shape(2L * n)).split(2, 0);    // repetition penalty, subtrahend: [n] each
        NDArray flat = logits.reshape(-1);
        NDArray seen = flat.take(m, idx);
        NDArray rep = v.get(0);
        // Division, not multiplication by 1/p, so the result matches transformers and vLLM to the bit.
        NDArray adjusted = NDArrays.where(seen.gt(0f), seen.div(rep), seen.mul(rep)).subi(v.get(1));
        return flat.put(idx, adjusted).reshape(logits.getShape());
    }
}
