package dev.ferry.server.serving;

import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;

/** Passes a request's events on and, at its finish, tells the listener how it went and how long it took. */
final class MeasuredSink implements TokenSink {
    private final TokenSink sink;
    private final RequestListener listener;
    private final String requestId;
    private final String tenant;
    private final String model;
    private final String route;
    private final Transport transport;
    private final long startNanos;
    private long firstTokenNanos;

    MeasuredSink(TokenSink sink, RequestListener listener, String requestId, String tenant, String model, String route,
                 Transport transport, long startNanos) {
        this.sink = sink;
        this.listener = listener;
        this.requestId = requestId;
        this.tenant = tenant;
        this.model = model;
        this.route = route;
        this.transport = transport;
        this.startNanos = startNanos;
    }

    @Override
    public void onToken(TokenEvent token) {
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        sink.onToken(token);
    }

    @Override
    public void onFinish(Finish finish) {
        long now = System.nanoTime();
        // accounted before the client hears the end, so a scrape after the answer always includes it
        listener.ended(new RequestOutcome.Finished(requestId, tenant, model, route, transport, finish,
                firstTokenNanos == 0 ? -1 : firstTokenNanos - startNanos, now - startNanos));
        sink.onFinish(finish);
    }
}
