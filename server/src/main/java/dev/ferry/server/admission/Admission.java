package dev.ferry.server.admission;

import dev.ferry.engine.api.Priority;
import dev.ferry.engine.metrics.StepRates;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control for one model instance: decides at submit time, in a few atomic operations,
 * whether a request may wait for the engine. It counts requests (and their prompt tokens) from
 * admission until their first token, bounds them per priority class, and estimates the wait for
 * the first token from the loop's recent prefill speed: a request whose deadline cannot be met is
 * refused now instead of timing out later. Thread-safe and lock-free.
 */
public final class Admission {
    private final AdmissionLimits limits;
    private final StepRates rates;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong waitingTokens = new AtomicLong();
    private final AtomicLong waitingInteractiveTokens = new AtomicLong();

    public Admission(AdmissionLimits limits, StepRates rates) {
        this.limits = limits;
        this.rates = rates;
    }

    /** A request that was admitted; call {@link #started()} at its first token or its end. */
    public final class Ticket {
        private final int promptTokens;
        private final Priority priority;
        private final int sequences;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Ticket(int promptTokens, Priority priority, int sequences) {
            this.promptTokens = promptTokens;
            this.priority = priority;
            this.sequences = sequences;
        }

        /** The request no longer waits (first token, finish, or refusal further on). Idempotent. */
        public void started() {
            if (open.get() && open.compareAndSet(true, false)) { // a plain read once started: called per token
                waiting.addAndGet(-sequences);
                waitingTokens.addAndGet(-promptTokens);
                if (priority == Priority.INTERACTIVE) {
                    waitingInteractiveTokens.addAndGet(-promptTokens);
                }
            }
        }
    }

    /** Admits or refuses a request of one sequence; see {@link #admit(int, Priority, long, int)}. */
    public Ticket admit(int promptTokens, Priority priority, long deadlineNanos) {
        return admit(promptTokens, priority, deadlineNanos, 1);
    }

    /**
     * Admits or refuses.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which the request must finish; 0 for none
     * @param sequences the request's choices: each waits for a sequence slot like a request of its
     *     own, while their shared prompt is prefilled once and counts once
     * @throws AdmissionRejected with the reason and a retry hint
     */
    public Ticket admit(int promptTokens, Priority priority, long deadlineNanos, int sequences) {
        boolean batch = priority == Priority.BATCH;
        int maxWaiting = batch ? limits.maxWaitingBatch() : limits.maxWaitingInteractive();
        long maxTokens = batch ? limits.maxWaitingPromptTokens() / 2 : limits.maxWaitingPromptTokens();
        boolean needsEstimate = limits.maxFirstTokenNanos() > 0 || limits.deadlineAware() && deadlineNanos != 0;
        long estimate = needsEstimate ? estimateFirstTokenNanos(promptTokens, priority) : 0;
        if (deadlineNanos != 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new AdmissionRejected(RejectReason.DEADLINE, "the deadline passed before admission", 0);
            }
            if (limits.deadlineAware() && estimate > left) {
                throw new AdmissionRejected(RejectReason.DEADLINE, "estimated time to first token "
                        + millis(estimate) + " ms exceeds the " + millis(left) + " ms left before the deadline",
                        millis(estimate));
            }
        }
        if (limits.maxFirstTokenNanos() > 0 && estimate > limits.maxFirstTokenNanos()) {
            throw new AdmissionRejected(RejectReason.TTFT_BOUND, "estimated time to first token " + millis(estimate)
                    + " ms exceeds the server's bound of " + millis(limits.maxFirstTokenNanos()) + " ms",
                    millis(estimate - limits.maxFirstTokenNanos()));
        }
        if (waiting.addAndGet(sequences) > maxWaiting) {
            waiting.addAndGet(-sequences);
            throw queueFull(batch, maxWaiting);
        }
        if (waitingTokens.addAndGet(promptTokens) > maxTokens && waiting.get() > sequences) {
            waitingTokens.addAndGet(-promptTokens);
            waiting.addAndGet(-sequences);
            throw new AdmissionRejected(RejectReason.WAITING_TOKENS, "more than " + maxTokens
                    + " prompt tokens are already waiting", retryHintMillis());
        }
        if (!batch) {
            waitingInteractiveTokens.addAndGet(promptTokens);
        }
        return new Ticket(promptTokens, priority, sequences);
    }

    /**
     * Refuses, counting nothing, a request that {@link #admit} would refuse now for a full queue
     * whatever its prompt, so a front end can refuse it before rendering and tokenizing the prompt.
     * Only an estimate under concurrent admissions: a request it lets through is still decided by
     * {@link #admit}, and one it refuses might have found a place freed meanwhile, as a moment later.
     */
    public void refuseIfFull(Priority priority, int sequences) {
        boolean batch = priority == Priority.BATCH;
        int maxWaiting = batch ? limits.maxWaitingBatch() : limits.maxWaitingInteractive();
        if (waiting.get() + sequences > maxWaiting) {
            throw queueFull(batch, maxWaiting);
        }
    }

    private AdmissionRejected queueFull(boolean batch, int maxWaiting) {
        return new AdmissionRejected(RejectReason.QUEUE_FULL, maxWaiting + " " + (batch ? "" : "interactive ")
                + "requests are already waiting", retryHintMillis());
    }

    /**
     * Expected nanoseconds until a new request's first token: the prompt tokens ahead of it (all
     * waiting ones for batch, interactive ones for interactive, which the scheduler serves first)
     * plus its own, at the recent prefill speed, plus one decode step; and when the waiting
     * requests already take every free sequence slot, the time for running requests to end and
     * free one more, at the recent completion rate. 0 before any prefill was seen.
     */
    public long estimateFirstTokenNanos(int promptTokens, Priority priority) {
        double rate = rates.prefillTokensPerSecond();
        if (rate <= 0) {
            return 0;
        }
        long ahead = priority == Priority.BATCH ? waitingTokens.get() : waitingInteractiveTokens.get();
        long prefill = (long) ((ahead + promptTokens) / rate * 1e9) + rates.decodeStepNanos();
        int beyondFreeSlots = waiting.get() + 1 - rates.freeSlots();
        double completions = rates.completionsPerSecond();
        long slotWait = beyondFreeSlots > 0 && completions > 0 ? (long) (beyondFreeSlots / completions * 1e9) : 0;
        return prefill + slotWait;
    }

    public int waiting() {
        return waiting.get();
    }

    public long waitingPromptTokens() {
        return waitingTokens.get();
    }

    /** When the queue may have room again: roughly the time to prefill what waits now, at least 100 ms. */
    private long retryHintMillis() {
        return Math.max(100, millis(estimateFirstTokenNanos(0, Priority.BATCH)));
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
