package dev.ferry.server.http;

import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.net.ServerContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import java.util.concurrent.Executor;

/**
 * The two OpenAI generation routes: hands the body to the prep pool, where parsing, chat templates
 * and tokenizing cannot stall the other connections of this event loop.
 */
final class GenerationEndpoint implements Endpoint {
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
                ctx.channel().attr(PathDispatcher.KEY_TENANT).get(), request.headers().get(InferenceRequest.TENANT_HEADER));
        ctx.channel().attr(InFlight.GENERATION).set(g);
        PrepPool.submit(prep, request, g::submit);
    }
}
