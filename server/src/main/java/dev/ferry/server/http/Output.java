package dev.ferry.server.http;

import dev.ferry.engine.api.Finish;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.stream.StreamPump;

/**
 * Where one generation's tokens go on the wire: a stream of events, or one whole response. Called
 * on the connection's event loop only.
 */
interface Output extends StreamPump.Target {
    /** The engine took the request: the response may start. Until then the target is not ready. */
    void open(ResponseJson json);

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
