package dev.ferry.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * Tells the generation in flight on a connection that its client left (so the engine cancels it)
 * or that the socket can take more (so its stream resumes).
 */
@ChannelHandler.Sharable
final class InFlight extends ChannelInboundHandlerAdapter {
    /** The connection's latest generation; one at a time, since {@link InOrder} passes one request at a time. */
    static final AttributeKey<Generation> GENERATION = AttributeKey.valueOf("ferry.generation");

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Generation g = ctx.channel().attr(GENERATION).get();
        if (g != null) {
            g.clientGone();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Generation g = ctx.channel().attr(GENERATION).get();
        if (g != null && ctx.channel().isWritable()) {
            g.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
