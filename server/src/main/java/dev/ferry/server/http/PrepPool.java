package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Hands a request's body to the prep pool, where parsing, chat templates and tokenizing run
 * without stalling the event loop. The body is retained for the task, which must release it; a
 * full pool refuses at once with RESOURCE_EXHAUSTED.
 */
final class PrepPool {
    private PrepPool() {}

    static void submit(Executor prep, FullHttpRequest request, Consumer<ByteBuf> work) {
        ByteBuf body = request.content().retain();
        try {
            prep.execute(() -> work.accept(body));
        } catch (RejectedExecutionException e) {
            body.release();
            throw ApiException.exhausted("the server is busy reading other requests", 1);
        }
    }
}
