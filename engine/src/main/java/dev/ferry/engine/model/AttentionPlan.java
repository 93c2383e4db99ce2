package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.SlidingWindow;
import dev.ferry.engine.step.SequenceSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * How one step's attention is split into batched groups, built once per step and shared by all
 * layers: each run of consecutive sequences with the same number of queries is one group (their
 * contexts padded to the longest and masked): decode sequences (one query each), and prefill
 * chunks of one length (causal within each chunk, attending to everything cached before it). A
 * step that starts many prompts of one length, such as a burst of requests or the chunks the
 * scheduler cuts to a token budget, so runs each layer's attention as one batched computation
 * instead of a dozen ops per prompt.
 */
public final class AttentionPlan {

    /**
     * @param tokenStart first token of the group in the step
     * @param numSeqs sequences in the group
     * @param queryLen queries per sequence (1 for decode groups)
     * @param gatherIndex KV block rows to gather, from {@link KvCache#gatherIndex}
     * @param mask additive mask (0 or -inf), {@code [numSeqs, 1, 1, keys]} for decode groups and
     *     {@code [numSeqs, 1, queryLen, 1, keys]} for prefill chunks, or null when every key is visible
     */
    public record Group(int tokenStart, int numSeqs, int queryLen, NDArray gatherIndex, NDArray mask) {
        int numTokens() {
            return numSeqs * queryLen;
        }
    }

    /**
     * Most query-key pairs (queries times the group's longest context) a group of prefill chunks
     * may pad to: its mask and each KV head's scores hold that many values. A chunk whose context is
     * far longer than its neighbours' would otherwise pad them all to it.
     */
    private static final long MAX_PREFILL_GROUP_SCORES = 1 << 20;

    private final List<Group> groups;

    private AttentionPlan(List<Group> groups) {
        this.groups = groups;
    }

    public List<Group> groups() {
        return groups;
    }

    /**
     * @param slidingWindow null, or the window: a query at position p sees keys in (p - window, p]
     */
    public static AttentionPlan build(List<SequenceSpan> seqs, KvCache kv, Integer slidingWindow, DataType dtype,
                                      NDManager step) {
        List<Group> groups = new ArrayList<>();
        int i = 0;
        while (i < seqs.size()) {
            int queryLen = seqs.get(i).queryLen();
            int maxContext = seqs.get(i).contextLen();
            int j = i + 1;
            while (j < seqs.size() && seqs.get(j).queryLen() == queryLen) {
                int context = Math.max(maxContext, seqs.get(j).contextLen());
                if (queryLen > 1 && (long) (j - i + 1) * queryLen * context > MAX_PREFILL_GROUP_SCORES) {
                    break;
                }
                maxContext = context;
                j++;
            }
            groups.add(group(seqs.subList(i, j), kv, slidingWindow, dtype, step));
            i = j;
        }
        return new AttentionPlan(groups);
    }

    private static Group group(List<SequenceSpan> seqs, KvCache kv, Integer window, DataType dtype, NDManager step) {
        int blockSize = kv.spec().blockSize();
        int queryLen = seqs.get(0).queryLen();
        int maxContext = 0;
        for (SequenceSpan s : seqs) {
            maxContext = Math.max(maxContext, s.contextLen());
        }
        int maxBlocks = (maxContext + blockSize - 1) / blockSize;
        int keys = maxBlocks * blockSize;
        int[][] tables = new int[seqs.size()][];
        float[] mask = new float[seqs.size() * queryLen * keys];
        boolean masked = false;
        for (int s = 0; s < seqs.size(); s++) {
            SequenceSpan span = seqs.get(s);
            if (span.blockTable().length * blockSize < span.contextLen()) {
                throw new IllegalArgumentException("block table of " + span.blockTable().length
                        + " blocks cannot hold " + span.contextLen() + " tokens");
            }
            tables[s] = span.blockTable();
            for (int q = 0; q < queryLen; q++) {
                int pos = span.contextLen() - queryLen + q;
                int lo = SlidingWindow.firstVisible(pos, window);
                int row = (s * queryLen + q) * keys;
                for (int k = 0; k < keys; k++) {
                    if (k < lo || k > pos) {
                        mask[row + k] = Float.NEGATIVE_INFINITY;
                        masked = true;
                    }
                }
            }
        }
        NDArray maskNd = null;
        if (masked) {
            Shape shape = queryLen == 1 ? new Shape(seqs.size(), 1, 1, keys) : new Shape(seqs.size(), 1, queryLen, 1, keys);
            maskNd = step.create(mask, shape);
            if (dtype != DataType.FLOAT32) {
                maskNd = maskNd.toType(dtype, false);
            }
        }
        return new Group(seqs.get(0).queryStart(), seqs.size(), queryLen, kv.gatherIndex(tables, maxBlocks, step), maskNd);
    }
}
