package dev.ferry.server.http;

import dev.ferry.server.routing.RouteReport;
import dev.ferry.server.routing.Routing;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /v1/routes}: each route of routes.properties, how it decides now (the learned scorer or
 * the length heuristic) and the trade-off the learned scorer chose: threshold, share served small,
 * estimated agreement, cost saved. A few routes and numbers: answered on the event loop.
 */
final class RouteReportsEndpoint implements Endpoint {
    private final Routing routing;

    RouteReportsEndpoint(Routing routing) {
        this.routing = routing;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<Map<String, Object>> data = routing.reports().stream().map(RouteReportsEndpoint::json).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", data);
        ctx.writeAndFlush(HttpResponses.json(HttpResponseStatus.OK, Json.value(ctx.alloc().buffer(), body)));
    }

    private static Map<String, Object> json(RouteReport r) {
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("route", r.route());
        route.put("policy", r.policy().name().toLowerCase(Locale.ROOT));
        route.put("candidates", r.candidates());
        route.put("scorer", r.scorer());
        route.put("shadows_seen", r.shadowsSeen());
        route.put("trained_on", r.trainedOn());
        route.put("min_shadows", r.minShadows());
        route.put("target_agreement", r.targetAgreement());
        route.put("threshold", r.threshold());
        route.put("fraction_small", r.fractionSmall());
        route.put("estimated_agreement", r.estimatedAgreement());
        route.put("cost_saved", r.costSaved());
        return route;
    }
}
