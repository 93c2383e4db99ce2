package dev.ferry.server.cache;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handle of a request waiting for Redis or the results database to say whether its answer is cached. A cancel before
 * the answer ends the request at once (CANCELLED, nothing runs); a cancel after it reaches the
 * engine's request. Either way the sink gets exactly one finish.
 */
public final class PendingRequest implements RequestHandle {
    private static final Logger LOG = LoggerFactory.getLogger(PendingRequest.class);
    private static final Object WAITING = new Object();
    private static final Object STARTING = new Object();
    /** Ended without running: cancelled while waiting, or refused by the engine. */
    private static final Object ENDED = new Object();

    private final TokenSink sink;
    private final int promptTokens;
    /** WAITING, STARTING, ENDED, or the started request's handle. */
    private final AtomicReference<Object> state = new AtomicReference<>(WAITING);
    private volatile boolean cancelRequested;

    public PendingRequest(TokenSink sink, int promptTokens) {
        this.sink = sink;
        this.promptTokens = promptTokens;
    }

    /** Starts the request now that the lookup is over, unless it was cancelled meanwhile. */
    public void resolve(Function<TokenSink, RequestHandle> start) {
        if (!state.compareAndSet(WAITING, STARTING)) {
            return;
        }
        RequestHandle started;
        try {
            started = start.apply(sink);
        } catch (RuntimeException e) {
            // too late to refuse the call: the client has its stream, so the refusal becomes the
            // finish; overload and shutdown stay retryable (UNAVAILABLE), anything else is an error
            LOG.debug("request failed to start after its cache lookup: {}", e.getMessage());
            boolean retryable = e instanceof ApiException a
                    && (a.status() == ApiStatus.UNAVAILABLE || a.status() == ApiStatus.RESOURCE_EXHAUSTED);
            finish(retryable ? FinishReason.UNAVAILABLE : FinishReason.ERROR, e.getMessage());
            state.set(ENDED);
            return;
        }
        state.set(started);
        if (cancelRequested) {
            started.cancel();
        }
    }

    @Override
    public void cancel() {
        cancelRequested = true;
        if (state.compareAndSet(WAITING, ENDED)) {
            finish(FinishReason.CANCELLED, null);
        } else if (state.get() instanceof RequestHandle started) {
            started.cancel();
        }
    }

    @Override
    public boolean isDone() {
        Object s = state.get();
        return s == ENDED || s instanceof RequestHandle started && started.isDone();
    }

    private void finish(FinishReason reason, String error) {
        sink.onFinish(new Finish(reason, new Usage(promptTokens, 0, 0, 0), "", error));
    }
}
