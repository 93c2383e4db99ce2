package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.ListRoutesRequest;
import dev.ferry.api.v1.RouteState;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.routing.TopicShadows;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The route {@code auto} of a real server learning from shadowed requests ({@link TopicShadows}, handed
 * to the routing's shadow listener as shadow evaluation does): before, the length heuristic decides and
 * {@code GET /v1/routes} and {@code ListRoutes} say so; after, prompts too long for the heuristic's
 * small tier go small when they are weather questions, and proofs go large.
 */
class LearnedRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    static Path store;
    static TwoModelServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new TwoModelServer(store, AdmissionLimits.DEFAULTS, "");
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    private static JsonNode httpRoute() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.http.port()
                + "/v1/routes")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode data = JSON.readTree(r.body()).get("data");
        assertEquals(1, data.size(), r.body());
        return data.get(0);
    }

    private static RouteState grpcRoute() {
        List<RouteState> routes = RoutingGrpc.newBlockingStub(t.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listRoutes(ListRoutesRequest.getDefaultInstance()).getRoutesList();
        assertEquals(1, routes.size());
        return routes.get(0);
    }

    private static HttpResponse<String> complete(String prompt) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.http.port() + "/v1/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of(
                        "model", "auto", "prompt", prompt, "max_tokens", 2)))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theHeuristicDecidesUntilShadowsTrainTheLearnedScorer() throws Exception {
        JsonNode before = httpRoute();
        assertEquals("auto", before.get("route").asText());
        assertEquals("complexity", before.get("policy").asText());
        assertEquals("heuristic", before.get("scorer").asText());
        assertEquals(0, before.get("shadows_seen").asLong());
        assertTrue(before.get("threshold").isNull());
        assertEquals("heuristic", grpcRoute().getScorer());
        assertFalse(grpcRoute().hasThreshold());

        // token counts as the route makes them: with the small model's tokenizer
        TopicShadows topics = new TopicShadows(11, text -> t.inference.tokenization()
                .tokenize("small", new Prompt.Text(text), null, false).ids().length, 2);
        String weather = topics.text(TopicShadows.WEATHER);
        HttpResponse<String> heuristic = complete(weather);
        assertEquals(200, heuristic.statusCode(), heuristic.body());
        assertEquals("large", heuristic.headers().firstValue("x-ferry-model").orElseThrow(),
                "the prompt must be long enough for the heuristic to send it large");
        assertTrue(heuristic.headers().firstValue("x-ferry-route-reason").orElseThrow()
                .contains("(heuristic (learned after 200 shadows, 0 so far): prompt "));

        topics.feed(result -> t.inference.routing().shadows().scored("synthetic", "0.00", result), "auto", 400);
        t.inference.routing().refit();

        JsonNode after = httpRoute();
        assertEquals("learned", after.get("scorer").asText(), after.toString());
        assertEquals(400, after.get("shadows_seen").asLong());
        assertTrue(after.get("estimated_agreement").asDouble() >= 0.9, after.toString());
        assertEquals(0.5, after.get("fraction_small").asDouble(), 0.15, after.toString());
        RouteState state = grpcRoute();
        assertEquals("learned", state.getScorer());
        assertEquals(after.get("threshold").asDouble(), state.getThreshold());
        assertEquals(after.get("fraction_small").asDouble(), state.getFractionSmall());
        assertFalse(state.hasCostSaved()); // the route states no small-cost

        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.http.port()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("ferry_route_learned{route=\"auto\"} 1.0"), metrics);
        assertTrue(metrics.contains("ferry_route_fraction_small{route=\"auto\"} "
                + after.get("fraction_small").asDouble()), metrics);

        HttpResponse<String> learned = complete(weather);
        assertEquals("small", learned.headers().firstValue("x-ferry-model").orElseThrow());
        String reason = learned.headers().firstValue("x-ferry-route-reason").orElseThrow();
        assertTrue(reason.contains("(learned: predicted agreement "), reason);
        assertTrue(reason.endsWith("simple -> small tier -> small"), reason);
        HttpResponse<String> proof = complete(topics.text(TopicShadows.PROOFS));
        assertEquals("large", proof.headers().firstValue("x-ferry-model").orElseThrow(),
                proof.headers().firstValue("x-ferry-route-reason").orElseThrow());
    }
}
