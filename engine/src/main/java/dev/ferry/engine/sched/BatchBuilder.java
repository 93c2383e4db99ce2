package dev.ferry.engine.sched;

import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.step.SequenceSpan;
import java.util.ArrayList;
import java.util.List;

/**
 * Flattens the step's scheduled work — for each sequence, its next {@code n} uncomputed tokens —
 * into a {@link ForwardBatch}: token ids, positions and KV slots from each block table.
 */
public final class BatchBuilder {
    private final int blockSize;
    private final List<Sequence> seqs = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    private int numTokens;

    public BatchBuilder(int blockSize) {
        this.blockSize = blockSize;
    }

    /** Schedules the next {@code n} uncomputed tokens of {@code seq}; its block table must already hold them. */
    public BatchBuilder add(Sequence seq, int n) {
        if (n <= 0 || n > seq.numUncomputed()) {
            throw new IllegalArgumentException("cannot schedule " + n + " tokens, " + seq.numUncomputed() + " uncomputed");
        }
        seqs.add(seq);
        counts.add(n);
        numTokens += n;
        return this;
    }

    public boolean isEmpty() {
        return seqs.isEmpty();
    }

    public ForwardBatch build() {
        int[] ids = new int[numTokens];
        int[] pos = new int[numTokens];
        int[] slots = new int[numTokens];
        List<SequenceSpan> spans = new ArrayList<>(seqs.size());
        int t = 0;
        for (int i = 0; i < seqs.size(); i++) {
            Sequence s = seqs.get(i);
            int n = counts.get(i);
            int start = s.numComputed();
            int[] table = s.blockTable();
            for (int k = 0; k < n; k++) {
                int p = start + k;
                ids[t + k] = s.token(p);
                pos[t + k] = p;
                slots[t + k] = KvCacheSpec.slot(table, p, blockSize);
            }
            spans.add(new SequenceSpan(t, n, start + n, table, s.logitRows(n), s.length()));
            t += n;
        }
        return new ForwardBatch(ids, pos, slots, spans);
    }
}
