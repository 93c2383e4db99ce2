package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.RequestHead;
import dev.ferry.server.net.ServerContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The two OpenAI generation routes: refuses on the event loop a request whose model has no room
 * for it (read from the body's head alone), and hands the others' bodies to the prep pool, where
 * parsing, chat templates and tokenizing cannot stall the other connections of this event loop.
 */
final class GenerationEndpoint implements Endpoint {
    /**
     * Bodies up to this size have their head read on the event loop (a few microseconds for a
     * small body); a larger one would hold the loop's other connections while it is scanned, so it
     * is checked on the prep pool, after its parse and before its prompt is tokenized.
     */
    private static final int PEEK_MAX_BYTES = 64 << 10;

    private final ServerContext server;
    private final Executor prep;
    private final GenerationApi api;
    private final Consumer<RequestHead> refuseEarly;

    GenerationEndpoint(ServerContext server, Executor prep, GenerationApi api) {
        this(server, prep, api, server.inference()::refuseEarly);
    }

    /** @param refuseEarly throws the refusal admission would give whatever the prompt (see {@link RefusalWarmUp}) */
    GenerationEndpoint(ServerContext server, Executor prep, GenerationApi api, Consumer<RequestHead> refuseEarly) {
        this.server = server;
        this.prep = prep;
        this.api = api;
        this.refuseEarly = refuseEarly;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        String requestId = request.headers().get(HttpResponses.REQUEST_ID);
        String keyTenant = ctx.channel().attr(PathDispatcher.KEY_TENANT).get();
        String headerTenant = request.headers().get(InferenceRequest.TENANT_HEADER);
        if (refusedEarly(ctx, request, requestId, keyTenant, headerTenant)) {
            return;
        }
        Generation g = new Generation(ctx.channel(), server, api, requestId, keyTenant, headerTenant);
        ctx.channel().attr(InFlight.GENERATION).set(g);
        PrepPool.submit(prep, request, g::submit);
    }

    /** Answers the refusal admission would give whatever the prompt, when the body's head says so. */
    private boolean refusedEarly(ChannelHandlerContext ctx, FullHttpRequest request, String requestId,
                                 String keyTenant, String headerTenant) {
        if (request.content().readableBytes() > PEEK_MAX_BYTES) {
            return false;
        }
        RequestHead head = RequestHeads.peek(request.content(), keyTenant, headerTenant, requestId);
        if (head == null) {
            return false;
        }
        try {
            refuseEarly.accept(head);
            return false;
        } catch (ApiException e) { // counted by refuseEarly
            ctx.writeAndFlush(HttpResponses.error(ctx.alloc(), e, requestId));
            return true;
        }
    }
}
