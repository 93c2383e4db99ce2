package dev.ferry.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/** Answers the requests of one route. Called on the connection's event loop; must not block it. */
interface Endpoint {
    /**
     * Answers {@code request}, now or later; {@code request} is released when this returns, so an
     * endpoint that answers later retains what it keeps. May throw ApiException to refuse.
     */
    void serve(ChannelHandlerContext ctx, FullHttpRequest request);
}
