package dev.ferry.server.http;

import dev.ferry.engine.api.Finish;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.stream.Chunk;
import dev.ferry.server.stream.StreamPump;

/**
 * Where one generation's tokens go on the wire, for each of its choices: a stream of events, or one
 * whole response. The answer ends once every choice finished. Called on the connection's event
 * loop only.
 */
interface Output {
    /** The engine took the request: the response may start. Until then the target is not ready. */
    void open(ResponseJson json);

    /** Whether a message can be written now without queueing beyond the socket's own window. */
    boolean isReady();

    /** Choice {@code index}'s next tokens. */
    void send(int index, Chunk chunk);

    /** Choice {@code index} ended: every one of its tokens has been sent. */
    void finish(int index, Finish finish);

    /** The pump target of choice {@code index}. */
    default StreamPump.Target choice(int index) {
        Output out = this;
        return new StreamPump.Target() {
            @Override
            public boolean isReady() {
                return out.isReady();
            }

            @Override
            public void send(Chunk chunk) {
                out.send(index, chunk);
            }

            @Override
            public void finish(Finish finish) {
                out.finish(index, finish);
            }
        };
    }

    /** How a generation that did not complete is reported; null when it stopped or reached its length. */
    static ApiException failure(Finish f) {
        return switch (f.reason()) {
            case STOP, LENGTH -> null;
            case DEADLINE -> ApiException.of(ApiStatus.DEADLINE_EXCEEDED, "the request's deadline passed before it finished");
            case CANCELLED -> ApiException.of(ApiStatus.INTERNAL, "the request was cancelled");
            case UNAVAILABLE -> ApiException.unavailable(f.error());
            case ERROR -> ApiException.of(ApiStatus.INTERNAL, "generation failed: "
                    + (f.error() != null ? f.error() : "unknown engine error"));
        };
    }
}
