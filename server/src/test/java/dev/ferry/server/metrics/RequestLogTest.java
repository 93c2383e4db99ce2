package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.ObservedServer.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.Usage;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.api.Transport;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.store.config.SloConfig;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --request-log}: one JSON line per request on the logger ferry.requests, over both transports. */
class RequestLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FIELDS = List.of("id", "tenant", "model", "route", "transport", "outcome", "status",
            "prompt_tokens", "completion_tokens", "cached_prompt_tokens", "response_cache_hit", "response_cache", "ttft_ms", "e2e_ms",
            "error", "shadow");

    @TempDir
    static Path store;
    static ObservedServer t;
    LogCapture log;

    @BeforeAll
    static void start() throws Exception {
        t = new ObservedServer(store, ApiKeys.none(), ResponseCacheConfig.DEFAULTS, new Observability(true, SloConfig.NONE));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @BeforeEach
    void capture() {
        log = LogCapture.of(RequestLog.LOGGER);
    }

    @AfterEach
    void release() {
        log.close();
    }

    @Test
    void aFinishedRequestIsOneLineOfJsonWithItsFigures() throws Exception {
        var r = t.post("/v1/completions", "{\"prompt\": \"Log me\", \"max_tokens\": 4, \"ignore_eos\": true, "
                + "\"temperature\": 0.7, \"user\": \"acme\"}", "x-request-id", "log-http");
        assertEquals(200, r.statusCode(), r.body());
        t.grpc().complete(request("Log me too", 3).setRequestId("log-grpc").setTenant("globex").build());

        JsonNode http = line("log-http");
        assertEquals("acme", http.get("tenant").asText());
        assertEquals("tiny", http.get("model").asText());
        assertTrue(http.get("route").isNull());
        assertEquals("http", http.get("transport").asText());
        assertEquals("length", http.get("outcome").asText());
        assertTrue(http.get("status").isNull());
        assertEquals(JSON.readTree(r.body()).get("usage").get("prompt_tokens").asInt(), http.get("prompt_tokens").asInt());
        assertEquals(4, http.get("completion_tokens").asInt());
        assertEquals(0, http.get("cached_prompt_tokens").asInt());
        assertFalse(http.get("response_cache_hit").asBoolean());
        double ttft = http.get("ttft_ms").asDouble();
        assertTrue(ttft > 0 && ttft <= http.get("e2e_ms").asDouble(), http.toString());
        assertTrue(http.get("error").isNull());

        JsonNode grpc = line("log-grpc");
        assertEquals("globex", grpc.get("tenant").asText());
        assertEquals("grpc", grpc.get("transport").asText());
        assertEquals(3, grpc.get("completion_tokens").asInt());
    }

    @Test
    void aRoutedRequestNamesItsRoute() throws Exception {
        JsonNode line = JSON.readTree(new RequestLog().line(new RequestOutcome.Finished("r-1", "default", "small", "auto",
                Transport.GRPC, new Finish(FinishReason.LENGTH, new Usage(4, 0, 2, 0), "", null), 1000, 2000, null)));
        assertEquals("small", line.get("model").asText());
        assertEquals("auto", line.get("route").asText());
    }

    @Test
    void aRefusedRequestIsLoggedWithItsStatus() throws Exception {
        assertEquals(400, t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}",
                "x-request-id", "log-bad").statusCode());
        try {
            t.grpc().complete(request("x", 2).setModel("nope").setRequestId("log-nope").build());
        } catch (StatusRuntimeException expected) {
            // NOT_FOUND, logged
        }
        JsonNode bad = line("log-bad");
        assertEquals("rejected", bad.get("outcome").asText());
        assertEquals("invalid_argument", bad.get("status").asText());
        assertEquals("tiny", bad.get("model").asText());
        assertEquals("default", bad.get("tenant").asText());
        assertTrue(bad.get("error").asText().startsWith("max_tokens"), bad.toString());
        assertTrue(bad.get("completion_tokens").isNull());

        JsonNode nope = line("log-nope");
        assertEquals("not_found", nope.get("status").asText());
        assertTrue(nope.get("model").isNull(), "a model the server does not have is not named");
        assertEquals("grpc", nope.get("transport").asText());
    }

    @Test
    void aResponseCacheHitIsMarked() throws Exception {
        GenerateRequest.Builder same = request("Logged twice", 5);
        t.grpc().complete(same.setRequestId("log-miss").build());
        t.grpc().complete(same.setRequestId("log-hit").build());
        assertFalse(line("log-miss").get("response_cache_hit").asBoolean());
        assertEquals("miss", line("log-miss").get("response_cache").asText());
        JsonNode hit = line("log-hit");
        assertTrue(hit.get("response_cache_hit").asBoolean());
        assertEquals("l1", hit.get("response_cache").asText());
        assertEquals(hit.get("prompt_tokens").asInt(), hit.get("cached_prompt_tokens").asInt());
        assertEquals(5, hit.get("completion_tokens").asInt());
    }

    /** The one line about request {@code id}; every line has all the fields, in order. */
    private JsonNode line(String id) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (String message : log.messages(Level.INFO)) {
            JsonNode n = JSON.readTree(message);
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            assertEquals(FIELDS, names, message);
            if (id.equals(n.get("id").asText())) {
                found.add(n);
            }
        }
        assertEquals(1, found.size(), "lines for " + id + ": " + log.messages(Level.INFO));
        return found.get(0);
    }
}
