package dev.ferry.server.serving;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.RequestListener;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.cache.ResponseRecording;
import dev.ferry.server.models.ServedModel;

/**
 * One request's bookkeeping, in the one sink between its engine (or the response cache) and the
 * transport's sink: it counts the request in flight on its replica, ends its wait in admission
 * control at the first token, keeps its answer for the response cache when it is cacheable and
 * missed, measures it, and tells the listener how it ended, once. All of it is done before the
 * client hears the finish, so a client that has its answer finds it in the metrics and the cache.
 */
final class TrackingSink implements TokenSink {
    private final TokenSink client;
    private final RequestListener listener;
    private final PreparedRequest request;
    // Set by the attempt that runs before its engine has the request (the engine's queue publishes
    // them to the output thread); all null for an answer replayed from the response cache.
    private ServedModel.Instance replica;
    private AdmissionGate.Pass pass;
    private ResponseRecording recording;
    private long firstTokenNanos;

    TrackingSink(TokenSink client, RequestListener listener, PreparedRequest request) {
        this.client = client;
        this.listener = listener;
        this.request = request;
    }

    /**
     * The request is about to go to {@code replica}'s engine, admitted with {@code pass}.
     *
     * @param recording keeps the answer for the response cache; null when it is not to be cached
     */
    void runsOn(ServedModel.Instance replica, AdmissionGate.Pass pass, ResponseRecording recording) {
        replica.enter();
        this.replica = replica;
        this.pass = pass;
        this.recording = recording;
    }

    /** The engine refused it after all: undoes {@link #runsOn}, so another attempt starts clean. */
    void notRun() {
        replica.leave();
        pass.giveBack();
        replica = null;
        pass = null;
        recording = null;
    }

    /** No attempt could start it: the end the listener hears instead of a finish. */
    void refused(ApiException e) {
        listener.ended(new RequestOutcome.Refused(request.requestId(), request.tenant(), request.model(),
                request.routeOrNull(), request.transport(), e.status(), e.getMessage(),
                System.nanoTime() - request.startNanos()));
    }

    @Override
    public void onToken(TokenEvent token) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
            if (pass != null) {
                pass.started();
            }
        }
        if (recording != null) {
            recording.onToken(token);
        }
        client.onToken(token);
    }

    @Override
    public void onFinish(Finish finish) {
        try {
            if (pass != null) {
                pass.started();
            }
            if (replica != null) {
                replica.leave();
            }
            if (recording != null) {
                recording.onFinish(finish);
            }
        } finally {
            long now = System.nanoTime();
            listener.ended(new RequestOutcome.Finished(request.requestId(), request.tenant(), request.model(),
                    request.routeOrNull(), request.transport(), finish,
                    firstTokenNanos == 0 ? -1 : firstTokenNanos - request.startNanos(), now - request.startNanos()));
            client.onFinish(finish);
        }
    }
}
