package dev.ferry.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has answered a request before its body's end only after the rest of the
 * body has arrived, as nginx's lingering close does. A server that answers early (413 on a body over the limit) and closes
 * at once leaves the rest of the body unread; the kernel then resets the connection, and the reset
 * can destroy the answer before the client reads it. So a close asked for mid-body waits: the rest
 * of the body is read and dropped, and the connection closes at the body's end, after
 * {@link #MAX_LINGER_BYTES} more bytes, or after {@link #MAX_LINGER_MILLIS}, whichever comes first,
 * so a client cannot hold the connection open by sending forever. A close with no answer written
 * (shutdown, a broken client) happens at once.
 *
 * <p>Sits right after the HTTP codec, so it sees every close the handlers above it ask for.
 */
final class LingeringClose extends ChannelDuplexHandler {
    static final long MAX_LINGER_BYTES = 8L << 20;
    static final long MAX_LINGER_MILLIS = 2_000;

    private boolean inBody;
    private boolean answeredMidBody;
    private ChannelPromise pendingClose;
    private long lingeredBytes;
    private ScheduledFuture<?> deadline;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inBody = true;
            answeredMidBody = false;
        }
        if (msg instanceof LastHttpContent) {
            inBody = false;
        }
        if (pendingClose == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            lingeredBytes += content.content().readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (!inBody || lingeredBytes > MAX_LINGER_BYTES) {
            closeNow(ctx);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (pendingClose != null) { // the keep-alive handler and the closing answer may both ask
            PromiseNotifier.cascade(pendingClose, promise);
            return;
        }
        if (!answeredMidBody || !inBody || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        pendingClose = promise;
        deadline = ctx.executor().schedule(() -> closeNow(ctx), MAX_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ctx.channel().config().setAutoRead(true); // the body must keep coming for the close to happen
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && inBody) {
            answeredMidBody = true;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pendingClose != null) {
            closeNow(ctx);
        }
        ctx.fireChannelInactive();
    }

    private void closeNow(ChannelHandlerContext ctx) {
        if (pendingClose == null) {
            return;
        }
        deadline.cancel(false);
        ChannelPromise promise = pendingClose;
        pendingClose = null;
        ctx.close(promise);
    }
}
