package dev.ferry.engine.step;

/**
 * One sequence's part of a flattened forward step.
 *
 * @param queryStart index of the sequence's first token in the step's token arrays
 * @param queryLen tokens of this sequence computed in this step (1 for a decode, more for a prefill chunk)
 * @param contextLen tokens of the sequence in the KV cache once this step has written its own
 *     (so the span covers positions {@code contextLen - queryLen .. contextLen - 1})
 * @param blockTable the KV blocks holding the sequence's tokens, in order
 * @param logitRows how many of the span's last tokens need logits: 1 when its last token is sampled, 0 for
 *     a non-final prefill chunk, more for a teacher-forced scoring run
 * @param sequenceLength the sequence's tokens, prompt and generated, computed or not: LongRoPE picks
 *     its factors for every position by it
 */
public record SequenceSpan(int queryStart, int queryLen, int contextLen, int[] blockTable, int logitRows,
                           int sequenceLength) {
    public SequenceSpan {
        if (queryLen <= 0 || contextLen < queryLen) {
            throw new IllegalArgumentException("span needs 0 < queryLen <= contextLen, got " + queryLen + ", " + contextLen);
        }
        if (logitRows < 0 || logitRows > queryLen) {
            throw new IllegalArgumentException("a span of " + queryLen + " tokens cannot have " + logitRows + " logit rows");
        }
        if (sequenceLength < contextLen) {
            throw new IllegalArgumentException("a sequence of " + sequenceLength + " tokens cannot cache " + contextLen);
        }
    }

    public boolean isDecode() {
        return queryLen == 1;
    }
}
