package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.Transport;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server's URL dispatch: picks the endpoint for a request's path and method, checks the
 * API key where the path needs one, and answers every refusal (404, 405, 401, an endpoint's
 * ApiException) in OpenAI's error shape; a refusal on a known path is counted.
 */
@ChannelHandler.Sharable
final class PathDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(PathDispatcher.class);

    /**
     * What a path is bound to.
     *
     * @param needsKey whether an API key must open it (the OpenAI API; health and metrics stay open)
     */
    record Binding(HttpMethod method, boolean needsKey, Endpoint endpoint) {}

    private final Map<String, Binding> bindings;
    /** The tenant the request's API key is bound to, for the endpoint; null when none. */
    static final AttributeKey<String> KEY_TENANT = AttributeKey.valueOf("ferry.keyTenant");

    private final ApiKeys keys;
    private final Inference refusals;

    PathDispatcher(Map<String, Binding> bindings, ApiKeys keys, Inference refusals) {
        this.bindings = Map.copyOf(bindings);
        this.keys = keys;
        this.refusals = refusals;
    }

    Set<String> paths() {
        return bindings.keySet();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            // The byte stream cannot be trusted past a malformed request: answer and close.
            FullHttpResponse r = HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    ApiStatus.INVALID_ARGUMENT, "malformed HTTP request: " + request.decoderResult().cause().getMessage(),
                    null);
            HttpUtil.setKeepAlive(r, false);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String requestId = request.headers().get(HttpResponses.REQUEST_ID);
        Binding binding = null;
        try {
            String path = new QueryStringDecoder(request.uri()).path();
            binding = bindings.get(path);
            if (binding == null) {
                throw ApiException.notFound("no such path: " + path);
            }
            if (!binding.method().equals(request.method())) {
                FullHttpResponse r = HttpResponses.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                        ApiStatus.INVALID_ARGUMENT, path + " takes " + binding.method() + ", not " + request.method(), null);
                r.headers().set(HttpHeaderNames.ALLOW, binding.method().name());
                ctx.writeAndFlush(r);
                return;
            }
            // requests on one connection are served one at a time (InOrder), so the attribute is this request's
            ctx.channel().attr(KEY_TENANT).set(binding.needsKey()
                    ? keys.check(request.headers().get(HttpHeaderNames.AUTHORIZATION), false) : null);
            binding.endpoint().serve(ctx, request);
        } catch (ApiException e) {
            if (binding != null) {
                refusals.refused(Transport.HTTP, requestId, e);
            }
            ctx.writeAndFlush(HttpResponses.error(ctx.alloc(), e, requestId));
        }
    }

    /** A reset connection is routine; anything else is a bug, and the connection's state is unknown. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("closing HTTP connection {} after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
