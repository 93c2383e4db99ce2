package dev.ferry.server.http;

import dev.ferry.server.api.ApiStatus;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Aggregates a request with its body, up to the server's byte limit. A larger body is refused with
 * 413 in OpenAI's error shape, whether its Content-Length announced it, an
 * {@code Expect: 100-continue} asked first, or the chunks overran the limit.
 */
final class BodyLimit extends HttpObjectAggregator {
    BodyLimit(int maxBytes) {
        super(maxBytes);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
            ReferenceCountUtil.release(response);
            return tooLarge(pipeline.channel().alloc(), maxContentLength);
        }
        return response;
    }

    /**
     * Keeps the connection when the body can still be skipped, as Netty's own answer does; else
     * closes it, which {@link LingeringClose} holds until the rest of the body has arrived.
     */
    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        boolean close = oversized instanceof FullHttpMessage // part of the body was read already
                || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized);
        FullHttpResponse response = tooLarge(ctx.alloc(), maxContentLength());
        if (close) {
            HttpUtil.setKeepAlive(response, false);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    private static FullHttpResponse tooLarge(ByteBufAllocator alloc, int maxBytes) {
        return HttpResponses.error(alloc, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, ApiStatus.INVALID_ARGUMENT,
                "the request body is larger than this server's limit of " + maxBytes + " bytes", null);
    }
}
