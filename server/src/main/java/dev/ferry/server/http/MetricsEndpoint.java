package dev.ferry.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code GET /metrics}: the registry scraped now, in Prometheus' text format. A scrape copies a few
 * histograms per model, cheap enough to answer on the event loop.
 */
final class MetricsEndpoint implements Endpoint {
    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsEndpoint(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        ByteBuf body = ctx.alloc().buffer();
        try {
            writer.write(new ByteBufOutputStream(body), registry.scrape());
        } catch (IOException e) {
            body.release();
            throw new UncheckedIOException(e);
        }
        ctx.writeAndFlush(HttpResponses.full(HttpResponseStatus.OK, body, writer.getContentType()));
    }
}
