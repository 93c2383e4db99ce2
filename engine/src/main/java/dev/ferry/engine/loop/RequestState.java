package dev.ferry.engine.loop;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.sample.TokenCounts;
import dev.ferry.engine.sched.Sequence;

/**
 * One choice of a submitted request inside the engine (a request has one unless it asks for
 * several). The caller thread only sets flags; on the engine loop's thread the scheduler owns the
 * sequence and the loop the timing fields; the output thread owns the {@link OutputProcessor}.
 */
final class RequestState implements RequestHandle {
    final GenerateRequest request;
    /** The request's choices, this one among them. */
    final RequestGroup group;
    final Sequence sequence;
    final OutputProcessor output;
    final long submitNanos;
    /** Token counts for penalties, or null when the request uses none. */
    final TokenCounts history;
    /** Where the output stands in its structured-output format, or null for free text. */
    final OutputConstraint.Cursor format;
    /** Where the output stands in its thinking, or null for a request that does not think. */
    final ThinkingState thinking;
    /** A teacher-forced scoring run's results, or null for a generation. */
    final Scoring scoring;
    private final Runnable wakeLoop;

    volatile boolean cancelled;
    /** Set by the output thread when a stop string matched: the loop retires the sequence. */
    volatile boolean stopRequested;
    volatile boolean done;

    // engine loop only
    boolean scheduledOnce;
    int cachedPromptTokens;
    long lastTokenNanos;
    /** Time spent on this step's mask, added to by the advance past its token. */
    long formatNanos;

    /**
     * @param request the choice's own request: its sampling is the choice's
     * @param scoring where a scoring run's rows go, or null for a generation
     */
    RequestState(GenerateRequest request, RequestGroup group, Sequence sequence, OutputProcessor output,
                 long submitNanos, Runnable wakeLoop, Scoring scoring) {
        this.request = request;
        this.scoring = scoring;
        this.group = group;
        this.sequence = sequence;
        this.output = output;
        this.submitNanos = submitNanos;
        this.wakeLoop = wakeLoop;
        format = request.constraint() == null ? null : request.constraint().start();
        thinking = request.thinking() == null ? null : new ThinkingState(request.thinking(), request.promptIds());
        if (request.sampling().hasPenalties()) {
            history = new TokenCounts();
            history.addPrompt(request.promptIds());
        } else {
            history = null;
        }
    }

    @Override
    public void cancel() {
        if (!done && !cancelled) {
            cancelled = true;
            wakeLoop.run();
        }
    }

    @Override
    public boolean isDone() {
        return done;
    }

    boolean pastDeadline(long now) {
        return request.deadlineNanos() != 0 && now - request.deadlineNanos() > 0;
    }
}
