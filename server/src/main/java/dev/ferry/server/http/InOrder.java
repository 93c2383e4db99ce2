package dev.ferry.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * Passes a connection's requests on one at a time. HTTP/1.1 lets a client send its next request
 * before the answer to the last one (pipelining) and answers must keep that order; ours finish
 * asynchronously, so a request waits here until the previous response's last content is written.
 * While one waits the connection stops reading, which bounds what a pipelining client can queue.
 */
final class InOrder extends ChannelDuplexHandler {
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
        } else if (busy) {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
        } else {
            busy = true;
            ctx.fireChannelRead(request);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof LastHttpContent;
        ctx.write(msg, promise);
        if (last) {
            // Later, so that the next request is not handled inside this write.
            ctx.executor().execute(() -> next(ctx));
        }
    }

    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest request = waiting.poll();
        busy = request != null;
        if (request == null) {
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.fireChannelRead(request);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }
}
