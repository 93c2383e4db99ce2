package dev.ferry.engine.model;

import java.util.List;

/**
 * Inputs of one encoder forward on the host, packed: every input's tokens one after another, with
 * no padding. The dense layers then compute real tokens only, and attention runs over each input's
 * own rows {@code starts[r] .. starts[r] + lengths[r] - 1}. With inputs of 8-256 tokens a padded
 * batch of 16 was half padding, and its padded attention {@code [rows, heads, width, width]} cost
 * more than all the dense layers of the real tokens (see docs/embeddings.md).
 *
 * @param ids every input's ids, in input order
 * @param starts each input's first row in {@code ids}
 */
public record PackedBatch(long[] ids, int[] lengths, int[] starts) {

    public static PackedBatch of(List<int[]> inputs) {
        int[] lengths = new int[inputs.size()];
        int[] starts = new int[inputs.size()];
        int tokens = 0;
        for (int r = 0; r < lengths.length; r++) {
            starts[r] = tokens;
            lengths[r] = inputs.get(r).length;
            tokens += lengths[r];
        }
        long[] ids = new long[tokens];
        for (int r = 0; r < lengths.length; r++) {
            int[] in = inputs.get(r);
            for (int i = 0; i < in.length; i++) {
                ids[starts[r] + i] = in[i];
            }
        }
        return new PackedBatch(ids, lengths, starts);
    }

    public int rows() {
        return lengths.length;
    }

    public int tokens() {
        return ids.length;
    }

    /** Each token's position within its own input, plus {@code offset} (RoBERTa's position ids start after the padding id). */
    public long[] positions(int offset) {
        long[] p = new long[ids.length];
        for (int r = 0; r < lengths.length; r++) {
            for (int i = 0; i < lengths[r]; i++) {
                p[starts[r] + i] = offset + i;
            }
        }
        return p;
    }
}
