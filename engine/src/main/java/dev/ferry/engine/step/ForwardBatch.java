package dev.ferry.engine.step;

import java.util.List;

/**
 * The host-side input of one forward step in the vLLM-style flattened form: T tokens from S
 * sequences, decode tokens and prefill chunks mixed, each token with its position and the KV slot
 * where its key and value are written. Sequences are listed in token order.
 */
public record ForwardBatch(int[] tokenIds, int[] positions, int[] slots, List<SequenceSpan> sequences) {

    public ForwardBatch {
        if (tokenIds.length != positions.length || tokenIds.length != slots.length) {
            throw new IllegalArgumentException("tokenIds, positions and slots must have one entry per token");
        }
        int next = 0;
        for (SequenceSpan s : sequences) {
            if (s.queryStart() != next) {
                throw new IllegalArgumentException("sequences must cover the tokens in order without gaps");
            }
            next += s.queryLen();
        }
        if (next != tokenIds.length) {
            throw new IllegalArgumentException("sequences cover " + next + " tokens, the batch has " + tokenIds.length);
        }
    }

    public int numTokens() {
        return tokenIds.length;
    }

    /** Number of logit rows the step returns: each span's {@link SequenceSpan#logitRows()}, in span order. */
    public int numLogitRows() {
        int n = 0;
        for (SequenceSpan s : sequences) {
            n += s.logitRows();
        }
        return n;
    }
}
