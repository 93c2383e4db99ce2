package dev.ferry.bench.load;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One request's life as its client sees it: when it was due, when output arrived, how it ended.
 * A client reports events for one request from one thread at a time; the first terminal event
 * (finished, rejected, failed, or abandoned by the driver at the end of the run) wins, and later
 * ones are ignored, so each request is counted exactly once. Times are {@link System#nanoTime}.
 */
final class RequestTimeline {
    enum Outcome { FINISHED, REJECTED, FAILED, UNANSWERED }

    private final long due;
    private final BenchRequest request;
    private final boolean measured;
    private final Consumer<RequestTimeline> onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Runnable cancel = () -> { };

    private long firstOutput;
    private long lastOutput;
    /** Gaps between output arrivals, one per token after the first arrival's tokens. */
    private long[] gaps;
    private int gapCount;
    private int tokensSeen;

    private Outcome outcome;
    private String status;
    private int outputTokens;
    private long end;

    /**
     * @param due when the request was due to be sent: latencies count from here, so a late send
     *            shows up in them rather than hiding (the driver reports its lag separately)
     * @param measured false for warm-up requests, which are answered but not counted
     * @param onEnd told once, on the thread of the terminal event
     */
    RequestTimeline(long due, BenchRequest request, boolean measured, Consumer<RequestTimeline> onEnd) {
        this.due = due;
        this.request = request;
        this.measured = measured;
        this.onEnd = onEnd;
        this.gaps = new long[Math.max(1, request.outputTokens())];
    }

    /** How the client stops the request when the driver abandons it. */
    void cancelWith(Runnable cancel) {
        this.cancel = cancel;
    }

    /**
     * {@code count} tokens arrived together at {@code now}. A later arrival's gap is spread evenly
     * over its tokens, so a message that carries several tokens (the server coalesces when the
     * client reads slower than the model writes) counts as that many inter-token gaps.
     */
    void output(int count, long now) {
        if (count <= 0) {
            return;
        }
        if (tokensSeen == 0) {
            firstOutput = now;
        } else {
            long gap = (now - lastOutput) / count;
            for (int i = 0; i < count; i++) {
                addGap(gap);
            }
        }
        lastOutput = now;
        tokensSeen += count;
    }

    /** The answer is complete; {@code outputTokens} is the server's count (its usage). */
    void finished(int outputTokens, long now) {
        end(Outcome.FINISHED, null, outputTokens, now);
    }

    /** Refused for load (RESOURCE_EXHAUSTED, HTTP 429). */
    void rejected(String status, long now) {
        end(Outcome.REJECTED, status, 0, now);
    }

    /** Any other error, named by its status ("UNAVAILABLE", "HTTP_500", ...). */
    void failed(String status, long now) {
        end(Outcome.FAILED, status, 0, now);
    }

    /** The run is over and this request has no terminal answer: stop it. False if it had ended meanwhile. */
    boolean abandon(long now) {
        if (!end(Outcome.UNANSWERED, null, 0, now)) {
            return false;
        }
        cancel.run();
        return true;
    }

    private boolean end(Outcome o, String s, int tokens, long now) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        outcome = o;
        status = s;
        outputTokens = tokens;
        end = now;
        onEnd.accept(this);
        return true;
    }

    private void addGap(long gap) {
        if (gapCount == gaps.length) {
            gaps = Arrays.copyOf(gaps, gaps.length * 2);
        }
        gaps[gapCount++] = gap;
    }

    BenchRequest request() {
        return request;
    }

    boolean measured() {
        return measured;
    }

    Outcome outcome() {
        return outcome;
    }

    String status() {
        return status;
    }

    int outputTokens() {
        return outputTokens;
    }

    long end() {
        return end;
    }

    boolean sawOutput() {
        return tokensSeen > 0;
    }

    long ttftNanos() {
        return firstOutput - due;
    }

    long e2eNanos() {
        return end - due;
    }

    int gapCount() {
        return gapCount;
    }

    long gap(int i) {
        return gaps[i];
    }

    /** Mean inter-token gap, what the ITL objective is held to; 0 when the output had one arrival. */
    long meanGapNanos() {
        return gapCount == 0 ? 0 : (lastOutput - firstOutput) / gapCount;
    }
}
