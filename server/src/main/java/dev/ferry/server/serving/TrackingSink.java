package dev.ferry.server.serving;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.ChoiceFinishes;
import dev.ferry.server.api.RequestListener;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.cache.ResponseRecording;
import dev.ferry.server.models.ServedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * One request's bookkeeping, in the sinks between its engine (or the response cache) and the
 * transport's, one per choice: it counts the request in flight on its replica, ends its wait
 * in admission control at the first token, keeps its answer for the response cache when it is
 * cacheable and missed, hands it to its shadow evaluation when it is shadowed, measures it, and tells the listener how it ended, once, when its last
 * choice finished. All of it is done before the client hears that last finish, so a client that
 * has its answer finds it in the metrics and the cache.
 */
final class TrackingSink {
    private final List<? extends TokenSink> clients;
    private final List<TokenSink> choices;
    private final ChoiceFinishes finishes;
    private final RequestListener listener;
    private final PreparedRequest request;
    // Set by the attempt that runs before its engine has the request (the engine's queue publishes
    // them to the output thread); all null for an answer replayed from the response cache.
    private ServedModel.Instance replica;
    private AdmissionGate.Pass pass;
    private ResponseRecording recording;
    private ShadowRuns.Tap shadow;
    private volatile long firstTokenNanos;
    /** What the response cache made of the request; known before its first token, null until then. */
    private volatile CacheOutcome cache;

    /** @param clients the transport's sink of each choice, in choice order */
    TrackingSink(List<? extends TokenSink> clients, RequestListener listener, PreparedRequest request) {
        this.clients = clients;
        this.listener = listener;
        this.request = request;
        this.finishes = new ChoiceFinishes(clients.size());
        List<TokenSink> c = new ArrayList<>(clients.size());
        for (int i = 0; i < clients.size(); i++) {
            c.add(new Choice(i));
        }
        this.choices = List.copyOf(c);
    }

    /** The sinks to run the request into, one per choice. */
    List<TokenSink> choices() {
        return choices;
    }

    /**
     * The request is about to go to {@code replica}'s engine, admitted with {@code pass}.
     *
     * @param recording keeps the answer for the response cache; null when it is not to be cached
     * @param shadow collects the answer for its shadow evaluation; null when it is not shadowed
     */
    void runsOn(ServedModel.Instance replica, AdmissionGate.Pass pass, ResponseRecording recording,
                ShadowRuns.Tap shadow) {
        replica.enter();
        this.replica = replica;
        this.pass = pass;
        this.recording = recording;
        this.shadow = shadow;
    }

    /** What the response cache made of the request, for its log line. */
    void cacheOutcome(CacheOutcome outcome) {
        cache = outcome;
    }

    /** The engine refused it after all: undoes {@link #runsOn}, so another attempt starts clean. */
    void notRun() {
        replica.leave();
        pass.giveBack();
        replica = null;
        pass = null;
        recording = null;
        shadow = null;
    }

    /** No attempt could start it: the end the listener hears instead of a finish. */
    void refused(ApiException e) {
        listener.ended(new RequestOutcome.Refused(request.requestId(), request.tenant(), request.model(),
                request.routeOrNull(), request.transport(), e.status(), e.getMessage(),
                System.nanoTime() - request.startNanos()));
    }

    private void onToken(int choice, TokenEvent token) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
            if (pass != null) {
                pass.started();
            }
        }
        if (recording != null) {
            recording.onToken(token);
        }
        if (shadow != null && choice == 0) {
            shadow.onToken(token.tokenId());
        }
        clients.get(choice).onToken(token);
    }

    private void onFinish(int choice, Finish finish) {
        if (!finishes.add(choice, finish)) {
            clients.get(choice).onFinish(finish);
            return;
        }
        Finish all = finishes.combined();
        try {
            if (pass != null) {
                pass.started();
            }
            if (replica != null) {
                replica.leave();
            }
            if (recording != null) {
                recording.onFinish(all);
            }
            if (shadow != null) {
                shadow.answered(all.reason()); // hands off at once: the shadow runs after the answer, elsewhere
            }
        } finally {
            long now = System.nanoTime();
            listener.ended(new RequestOutcome.Finished(request.requestId(), request.tenant(), request.model(),
                    request.routeOrNull(), request.transport(), all,
                    firstTokenNanos == 0 ? -1 : firstTokenNanos - request.startNanos(), now - request.startNanos(),
                    cache));
            clients.get(choice).onFinish(finish);
        }
    }

    /** One choice's events, into the request's bookkeeping and on to the client's sink for it. */
    private final class Choice implements TokenSink {
        private final int index;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public void onToken(TokenEvent token) {
            TrackingSink.this.onToken(index, token);
        }

        @Override
        public void onFinish(Finish finish) {
            TrackingSink.this.onFinish(index, finish);
        }
    }
}
