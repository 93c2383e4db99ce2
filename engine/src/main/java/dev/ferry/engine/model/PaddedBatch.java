package dev.ferry.engine.model;

import java.util.List;

/**
 * Inputs of one encoder forward on the host: token ids right-padded to the longest input, so row
 * {@code r} holds {@code lengths[r]} real tokens followed by padding. Right padding keeps every
 * input's positions at 0..n-1 and its last token at {@code n - 1}.
 *
 * @param ids {@code rows * width} ids, row-major
 */
public record PaddedBatch(long[] ids, int[] lengths, int rows, int width) {

    public static PaddedBatch of(List<int[]> inputs, int padId) {
        int width = 0;
        for (int[] in : inputs) {
            width = Math.max(width, in.length);
        }
        long[] ids = new long[inputs.size() * width];
        int[] lengths = new int[inputs.size()];
        for (int r = 0; r < inputs.size(); r++) {
            int[] in = inputs.get(r);
            lengths[r] = in.length;
            for (int i = 0; i < width; i++) {
                ids[r * width + i] = i < in.length ? in[i] : padId;
            }
        }
        return new PaddedBatch(ids, lengths, inputs.size(), width);
    }

    /** Whether some row is shorter than the width, so attention and pooling must mask. */
    public boolean padded() {
        for (int n : lengths) {
            if (n < width) {
                return true;
            }
        }
        return false;
    }

    /** Per token slot: {@code inside} where the row has a real token, {@code outside} in its padding. */
    public float[] slotMask(float inside, float outside) {
        float[] m = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                m[r * width + i] = i < lengths[r] ? inside : outside;
            }
        }
        return m;
    }
}
