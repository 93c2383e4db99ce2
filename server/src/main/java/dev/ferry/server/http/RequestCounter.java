package dev.ferry.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.ArrayDeque;
import java.util.Set;

/**
 * Counts answered requests by path and status. It sits before the body limit so that 413s count
 * too; paths outside the routes count as "other", so a scanner cannot grow the label set.
 */
final class RequestCounter extends ChannelDuplexHandler {
    private final Counter counter;
    private final Set<String> paths;
    /** Paths of requests read and not yet answered, oldest first (answers keep request order). */
    private final ArrayDeque<String> unanswered = new ArrayDeque<>();

    RequestCounter(Counter counter, Set<String> paths) {
        this.counter = counter;
        this.paths = paths;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest r) {
            String path = new QueryStringDecoder(r.uri()).path();
            unanswered.add(paths.contains(path) ? path : "other");
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            String path = unanswered.poll();
            counter.labelValues(path != null ? path : "other", r.status().codeAsText().toString()).inc();
        }
        ctx.write(msg, promise);
    }
}
