package dev.ferry.server.http;

import static dev.ferry.server.http.BadInputTest.error;
import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.server.PrometheusText;
import dev.ferry.server.ServingFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an operator relies on: health and readiness, the Prometheus figures, a departed client's
 * request freed in the engine, errors when a model goes away mid-generation, and a drain that
 * turns new work away. Unloading and draining cannot be undone, so those tests run last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsTest {
    private static final String TINY = "{model=\"tiny\"}";

    @RegisterExtension
    static final LiveServer live = new LiveServer();

    @Test
    @Order(1)
    void healthAndReadinessWhileServing() throws Exception {
        HttpResponse<String> health = live.get("/health");
        assertEquals(200, health.statusCode());
        assertEquals("ok", json(health).get("status").asText());
        HttpResponse<String> ready = live.get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("ready", json(ready).get("models").get("tiny").get("state").asText());
    }

    @Test
    @Order(2)
    void metricsFollowARequest() throws Exception {
        Map<String, Double> before = scrape();
        HttpResponse<String> r = live.post("/v1/completions",
                "{\"prompt\": \"Metrics\", \"max_tokens\": 8, \"ignore_eos\": true, \"stream\": true}");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> after = scrape();

        String finished = "ferry_requests_finished_total{model=\"tiny\",reason=\"length\"}";
        assertEquals(before.getOrDefault(finished, 0.0) + 1, after.get(finished));
        assertEquals(before.get("ferry_completion_tokens_total" + TINY) + 8, after.get("ferry_completion_tokens_total" + TINY));
        assertTrue(after.get("ferry_time_to_first_token_seconds_count" + TINY) >= 1);
        assertTrue(after.get("ferry_time_to_first_token_seconds_bucket{model=\"tiny\",le=\"+Inf\"}") >= 1);
        assertTrue(after.get("ferry_e2e_request_latency_seconds_sum" + TINY) > 0);
        assertTrue(after.get("ferry_kv_blocks_total" + TINY) > 0);
        assertTrue(after.containsKey("ferry_kv_blocks_used" + TINY));
        assertTrue(after.get("ferry_stream_tokens_sent_total") >= 8);
        assertTrue(after.get("ferry_http_requests_total{path=\"/v1/completions\",status=\"200\"}") >= 1);
        assertTrue(after.get("ferry_http_requests_total{path=\"/metrics\",status=\"200\"}") >= 1);
    }

    /** A client that closes its connection mid-stream frees its sequence and KV blocks within a second. */
    @Test
    @Order(3)
    void aClientThatLeavesMidStreamIsCancelled() throws Exception {
        EngineMetrics metrics = live.engine().metrics();
        long cancelled = metrics.snapshot().finished().get(FinishReason.CANCELLED);
        try (Socket socket = new Socket("127.0.0.1", live.server.port())) {
            socket.setSoTimeout(10_000);
            String body = "{\"prompt\": \"Hi\", \"max_tokens\": 240, \"ignore_eos\": true, \"stream\": true}";
            socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = in.readLine();
            } while (!line.startsWith("data: "));
            // the loop updates its gauges after handing out a step's tokens, so the first token can beat them
            long generating = System.nanoTime() + 1_000_000_000L;
            while (metrics.snapshot().running() != 1 && System.nanoTime() < generating) {
                Thread.sleep(1);
            }
            assertEquals(1, metrics.snapshot().running(), "the request must be generating when the client leaves");
        }
        long deadline = System.nanoTime() + 1_000_000_000L;
        EngineMetrics.Snapshot s = metrics.snapshot();
        while (!(s.running() == 0 && s.kvBlocksUsed() == 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = metrics.snapshot();
        }
        assertEquals(0, s.running());
        assertEquals(0, s.kvBlocksUsed());
        assertEquals(cancelled + 1, s.finished().get(FinishReason.CANCELLED));
    }

    /**
     * Unloading the model without a drain period mid-generation: a stream ends with an error event,
     * a whole answer is a 503 the client may retry elsewhere.
     */
    @Test
    @Order(4)
    void aGenerationCutShortReportsAnError() throws Exception {
        String body = "{\"prompt\": \"Hi\", \"max_tokens\": 240, \"ignore_eos\": true, \"stream\": %s}";
        CompletableFuture<HttpResponse<String>> streamed = live.client().sendAsync(live.request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofString(body.formatted(true))).build(), BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> whole = live.client().sendAsync(live.request("/v1/completions")
                .POST(HttpRequest.BodyPublishers.ofString(body.formatted(false))).build(), BodyHandlers.ofString());
        EngineMetrics metrics = live.engine().metrics();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (metrics.snapshot().running() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(2, metrics.snapshot().running(), "both requests must be generating when the model goes");
        live.fixture.registry.unload(ServingFixture.MODEL, Duration.ZERO);

        List<JsonNode> events = LiveServer.events(streamed.get(10, TimeUnit.SECONDS));
        JsonNode last = events.get(events.size() - 1).get("error");
        assertEquals("service_unavailable", last.get("type").asText());
        assertTrue(last.get("message").asText().contains("shut down"), last.toString());
        assertEquals("service_unavailable", error(whole.get(10, TimeUnit.SECONDS), 503).get("type").asText());
    }

    @Test
    @Order(5)
    void drainingTurnsNewWorkAway() throws Exception {
        live.fixture.context.inference().drain();
        HttpResponse<String> ready = live.get("/ready");
        assertEquals(503, ready.statusCode());
        assertEquals("draining", json(ready).get("status").asText());
        assertEquals("unloaded", json(ready).get("models").get("tiny").get("state").asText());

        HttpResponse<String> refused = live.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 2}");
        JsonNode e = error(refused, 503);
        assertEquals("service_unavailable", e.get("type").asText());
        assertTrue(refused.headers().firstValue("retry-after").isPresent());
        assertEquals(200, live.get("/health").statusCode());
    }

    /** Samples by name and labels, as the text format writes them. */
    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = live.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        return PrometheusText.samples(r.body());
    }
}
