package dev.ferry.server.http;

import dev.ferry.server.ServerContext;
import dev.ferry.server.serving.ApiException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The two OpenAI generation routes: hands the body to the prep pool, where parsing, chat templates
 * and tokenizing cannot stall the other connections of this event loop.
 */
final class GenerationEndpoint implements Endpoint {
    /** Names the tenant when neither the API key nor the body's {@code user} does. */
    static final String TENANT_HEADER = "x-ferry-tenant";

    private final ServerContext server;
    private final Executor prep;
    private final GenerationApi api;

    GenerationEndpoint(ServerContext server, Executor prep, GenerationApi api) {
        this.server = server;
        this.prep = prep;
        this.api = api;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        Generation g = new Generation(ctx.channel(), server, api, request.headers().get(HttpResponses.REQUEST_ID),
                ctx.channel().attr(Router.KEY_TENANT).get(), request.headers().get(TENANT_HEADER));
        ctx.channel().attr(InFlight.GENERATION).set(g);
        ByteBuf body = request.content().retain();
        try {
            prep.execute(() -> g.submit(body));
        } catch (RejectedExecutionException e) {
            body.release();
            throw ApiException.exhausted("the server is busy reading other requests", 1);
        }
    }
}
