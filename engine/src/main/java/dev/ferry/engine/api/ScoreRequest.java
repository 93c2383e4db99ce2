package dev.ferry.engine.api;

/**
 * A teacher-forced scoring run: one prefill of {@code prompt + continuation} that, for each
 * continuation token, reports the model's log-probability of it and the model's greedy token at its
 * position. No sampling, no decode steps; it runs at {@link Priority#BATCH}, behind interactive work.
 *
 * @param requestId the caller's id, carried into logs; need not be unique
 * @param continuationIds the tokens to score (at least one); the prompt and all but the last of them
 *     are computed, since the last one's logits would score a token past the continuation
 * @param deadlineNanos {@link System#nanoTime()} after which the run is abandoned; 0 for none
 */
public record ScoreRequest(String requestId, int[] promptIds, int[] continuationIds, long deadlineNanos) {
    public ScoreRequest {
        if (promptIds == null || promptIds.length == 0) {
            throw new InvalidRequestException("prompt", "prompt is empty");
        }
        if (continuationIds == null || continuationIds.length == 0) {
            throw new InvalidRequestException("continuation", "continuation is empty: there is nothing to score");
        }
    }

    /** What the engine computes: the prompt, then the continuation short of its last token. */
    public int[] computedIds() {
        int[] ids = java.util.Arrays.copyOf(promptIds, promptIds.length + continuationIds.length - 1);
        System.arraycopy(continuationIds, 0, ids, promptIds.length, continuationIds.length - 1);
        return ids;
    }
}
