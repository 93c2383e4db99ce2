package dev.ferry.server.http;

import dev.ferry.server.models.ServedModel;
import dev.ferry.server.net.ServerContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The process's plain answers: liveness, readiness with each model's state, and OpenAI's model list. */
final class StatusEndpoints {
    private final ServerContext server;
    /** Models carry no creation time of their own; the list reports when this server started. */
    private final long started = System.currentTimeMillis() / 1000;

    StatusEndpoints(ServerContext server) {
        this.server = server;
    }

    /** 200 while the process can answer at all. */
    void health(ChannelHandlerContext ctx, FullHttpRequest request) {
        respond(ctx, HttpResponseStatus.OK, Map.of("status", "ok"));
    }

    /**
     * 200 while any model serves and the server is not draining; 503 when none can (none loaded
     * yet, all failed) or while draining. Each model's own state, loading or failed included, is in
     * the body: one model being added must not pull a replica that serves the others.
     */
    void ready(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean draining = server.inference().isDraining();
        boolean ready = !draining && server.registry().anyServing();
        Map<String, Object> models = new LinkedHashMap<>();
        for (ServedModel m : server.registry().list()) {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("state", m.state().name().toLowerCase(Locale.ROOT));
            if (m.error() != null) {
                state.put("error", m.error());
            }
            models.put(m.name(), state);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : draining ? "draining" : "not_ready");
        body.put("models", models);
        respond(ctx, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    /** {@code GET /v1/models}: the models that can serve now. */
    void models(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<Map<String, Object>> data = new ArrayList<>();
        for (ServedModel m : server.registry().list()) {
            if (m.isReady()) {
                Map<String, Object> model = new LinkedHashMap<>();
                model.put("id", m.name());
                model.put("object", "model");
                model.put("created", started);
                model.put("owned_by", "ferry");
                data.add(model);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", data);
        respond(ctx, HttpResponseStatus.OK, body);
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, Map<String, ?> body) {
        ctx.writeAndFlush(HttpResponses.json(status, Json.value(ctx.alloc().buffer(), body)));
    }
}
