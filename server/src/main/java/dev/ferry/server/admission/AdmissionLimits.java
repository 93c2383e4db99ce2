package dev.ferry.server.admission;

/**
 * Bounds on what may wait for a model instance. Requests wait from admission to their first token.
 * Batch requests are bounded tighter than interactive ones, so under rising load they are shed
 * first while interactive requests are still admitted.
 *
 * @param maxWaitingInteractive requests (of both classes) waiting, beyond which interactive ones are refused
 * @param maxWaitingBatch requests (of both classes) waiting, beyond which batch ones are refused
 * @param maxWaitingPromptTokens prompt tokens waiting, beyond which interactive ones are refused
 *     (batch ones beyond half of it)
 * @param deadlineAware refuse at once a request whose deadline is shorter than the estimated wait
 * @param maxFirstTokenNanos refuse a request whose estimated time to first token (prefill ahead of it
 *     and, when every sequence slot is taken, the wait for slots to free) exceeds this; 0 for no bound
 */
public record AdmissionLimits(int maxWaitingInteractive, int maxWaitingBatch, long maxWaitingPromptTokens,
                              boolean deadlineAware, long maxFirstTokenNanos) {

    public static final AdmissionLimits DEFAULTS = new AdmissionLimits(1024, 256, 1L << 20, true);

    public AdmissionLimits {
        if (maxWaitingInteractive <= 0 || maxWaitingBatch <= 0 || maxWaitingPromptTokens <= 0 || maxFirstTokenNanos < 0) {
            throw new IllegalArgumentException("admission limits must be positive");
        }
    }

    /** No bound on the estimated time to first token. */
    public AdmissionLimits(int maxWaitingInteractive, int maxWaitingBatch, long maxWaitingPromptTokens,
                           boolean deadlineAware) {
        this(maxWaitingInteractive, maxWaitingBatch, maxWaitingPromptTokens, deadlineAware, 0);
    }

    public AdmissionLimits withMaxWaiting(int interactive, int batch) {
        return new AdmissionLimits(interactive, batch, maxWaitingPromptTokens, deadlineAware, maxFirstTokenNanos);
    }

    public AdmissionLimits withMaxWaitingPromptTokens(long tokens) {
        return new AdmissionLimits(maxWaitingInteractive, maxWaitingBatch, tokens, deadlineAware, maxFirstTokenNanos);
    }

    public AdmissionLimits withMaxFirstToken(long nanos) {
        return new AdmissionLimits(maxWaitingInteractive, maxWaitingBatch, maxWaitingPromptTokens, deadlineAware, nanos);
    }
}
