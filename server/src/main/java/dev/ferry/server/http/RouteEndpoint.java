package dev.ferry.server.http;

import dev.ferry.server.affinity.PrefixKey;
import dev.ferry.server.affinity.PrefixRouter;
import dev.ferry.server.api.ApiException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * {@code POST /v1/route}: the prefix key of the body a client is about to send to
 * {@code /v1/completions}, or to {@code /v1/chat/completions} when it has "messages". Answered
 * from the prep pool, since chat templates and tokenizing must not stall the event loop; the key
 * comes back in the body and as the header the client then forwards.
 */
final class RouteEndpoint implements Endpoint {
    private final PrefixRouter router;
    private final Executor prep;
    private final GenerationApi completions = new CompletionsApi();
    private final GenerationApi chat = new ChatApi();

    RouteEndpoint(PrefixRouter router, Executor prep) {
        this.router = router;
        this.prep = prep;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        String requestId = request.headers().get(HttpResponses.REQUEST_ID);
        PrepPool.submit(prep, request, body -> answer(ctx.channel(), body, requestId));
    }

    private void answer(Channel channel, ByteBuf body, String requestId) {
        try {
            Fields fields;
            try {
                fields = Fields.parse(body);
            } finally {
                body.release();
            }
            GenerationApi api = fields.node("messages") != null ? chat : completions;
            PrefixRouter.Route r = router.route(api.read(fields, requestId).request());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("prefix_key", r.prefixKey());
            json.put("model", r.model());
            json.put("block_size", r.blockSize());
            json.put("key_tokens", r.keyTokens());
            FullHttpResponse response = HttpResponses.json(HttpResponseStatus.OK,
                    Json.value(channel.alloc().buffer(), json));
            response.headers().set(PrefixKey.HEADER, r.prefixKey());
            channel.writeAndFlush(response);
        } catch (ApiException e) {
            channel.writeAndFlush(HttpResponses.error(channel.alloc(), e, requestId));
        }
    }
}
