package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.ObservedServer.TINY;
import static dev.ferry.server.metrics.ObservedServer.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus figures of a live server (response cache on, in-process) as requests arrive over both transports. */
class ServerMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REJECTED = "ferry_requests_rejected_total";

    @TempDir
    static Path store;
    static ObservedServer t;

    @BeforeAll
    static void start() throws Exception {
        t = new ObservedServer(store, ApiKeys.none(), ResponseCacheConfig.DEFAULTS, Observability.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void latencyHistogramsAreCumulativeAndCountWhatTheEngineRecorded() throws Exception {
        for (int i = 0; i < 3; i++) { // sampled without a seed: never answered from the response cache
            HttpResponse<String> r = t.post("/v1/completions",
                    "{\"prompt\": \"Histogram " + i + "\", \"max_tokens\": 6, \"ignore_eos\": true, \"temperature\": 0.8}");
            assertEquals(200, r.statusCode(), r.body());
        }
        Map<String, Double> samples = t.scrape();
        EngineMetrics.Snapshot engine = t.fixture.registry.get(ServingFixture.MODEL).instance().engine().metrics().snapshot();
        Map<String, Dist> latencies = Map.of("ferry_time_to_first_token_seconds", Dist.TTFT_US,
                "ferry_inter_token_latency_seconds", Dist.INTER_TOKEN_US, "ferry_queue_wait_seconds", Dist.QUEUE_WAIT_US,
                "ferry_e2e_request_latency_seconds", Dist.E2E_US);
        for (var e : latencies.entrySet()) {
            String name = e.getKey();
            List<Double> buckets = new ArrayList<>();
            samples.forEach((k, v) -> {
                if (k.startsWith(name + "_bucket{" + TINY + ",le=")) {
                    buckets.add(v);
                }
            });
            assertTrue(buckets.size() > 10, name + " has its buckets");
            for (int i = 1; i < buckets.size(); i++) {
                assertTrue(buckets.get(i) >= buckets.get(i - 1), name + " buckets are cumulative: " + buckets);
            }
            double count = samples.get(name + "_count{" + TINY + "}");
            assertEquals(count, samples.get(name + "_bucket{" + TINY + ",le=\"+Inf\"}"), name);
            assertEquals(engine.histogram(e.getValue()).getTotalCount(), count, name + " counts what the engine recorded");
            assertTrue(samples.get(name + "_sum{" + TINY + "}") > 0, name);
        }
        assertTrue(samples.get("ferry_time_to_first_token_seconds_count{" + TINY + "}") >= 3);
        assertTrue(samples.get("ferry_inter_token_latency_seconds_count{" + TINY + "}") >= 15);
        assertTrue(samples.containsKey("ferry_prefix_cache_hit_ratio{" + TINY + "}"));
        assertTrue(samples.containsKey("ferry_kv_blocks_usage_ratio{" + TINY + "}"));
    }

    @Test
    void badRequestsCountAsRejectionsByStatusOnBothTransports() throws Exception {
        String invalidTiny = REJECTED + "{" + TINY + ",reason=\"invalid_argument\"}";
        String invalidUnknown = REJECTED + "{model=\"\",reason=\"invalid_argument\"}";
        String notFound = REJECTED + "{model=\"\",reason=\"not_found\"}";
        Map<String, Double> before = t.scrape();

        assertEquals(400, t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}").statusCode());
        assertEquals(400, t.post("/v1/completions", "{\"prompt\": \"x\", \"best_of\": 3}").statusCode());
        assertEquals(404, t.post("/v1/completions", "{\"model\": \"nope\", \"prompt\": \"x\"}").statusCode());
        assertStatus(Status.Code.INVALID_ARGUMENT, request("x", 4).setMaxTokens(0).build());
        assertStatus(Status.Code.INVALID_ARGUMENT, request("x", 4).clearText().build()); // refused while reading the call
        assertStatus(Status.Code.NOT_FOUND, request("x", 4).setModel("nope").build());

        Map<String, Double> after = t.scrape();
        assertEquals(2, after.get(invalidTiny) - before.getOrDefault(invalidTiny, 0.0), "max_tokens on both transports");
        assertEquals(2, after.get(invalidUnknown) - before.getOrDefault(invalidUnknown, 0.0),
                "a refused HTTP field and a gRPC call without a prompt");
        assertEquals(2, after.get(notFound) - before.getOrDefault(notFound, 0.0), "an unknown model on both transports");
        // the refusal time is measured from validation on: refusals while reading a call have none
        String timedTiny = "ferry_request_refusal_seconds_count{" + TINY + "}";
        String timedUnknown = "ferry_request_refusal_seconds_count{model=\"\"}";
        assertEquals(2, after.get(timedTiny) - before.getOrDefault(timedTiny, 0.0), "max_tokens on both transports");
        assertEquals(2, after.get(timedUnknown) - before.getOrDefault(timedUnknown, 0.0), "the unknown model");
        assertEquals(after.get(timedTiny), after.get("ferry_request_refusal_seconds_bucket{" + TINY + ",le=\"+Inf\"}"));
        assertTrue(after.get("ferry_request_refusal_seconds_sum{" + TINY + "}") > 0);
    }

    @Test
    void aRequestWithoutTheKeyIsCountedUnauthenticated(@TempDir Path otherStore) throws Exception {
        try (ObservedServer locked = new ObservedServer(otherStore, new ApiKeys(List.of("k"), List.of()),
                ResponseCacheConfig.DISABLED, Observability.DEFAULTS)) {
            assertEquals(401, locked.post("/v1/completions", "{\"prompt\": \"x\"}").statusCode());
            var e = assertThrows(StatusRuntimeException.class, () -> locked.grpc().complete(request("x", 2).build()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertEquals(2, locked.sample(REJECTED + "{model=\"\",reason=\"unauthenticated\"}"));
        }
    }

    @Test
    void tokensAreCountedForTheTenantThatAskedForThem() throws Exception {
        String acme = "{" + TINY + ",tenant=\"acme\"}";
        String globex = "{" + TINY + ",tenant=\"globex\"}";
        String nobody = "{" + TINY + ",tenant=\"default\"}";
        Map<String, Double> before = t.scrape();

        HttpResponse<String> r = t.post("/v1/completions",
                "{\"prompt\": \"Tenants\", \"max_tokens\": 5, \"ignore_eos\": true, \"user\": \"acme\"}");
        assertEquals(200, r.statusCode(), r.body());
        int acmePrompt = JSON.readTree(r.body()).get("usage").get("prompt_tokens").asInt();
        CompleteResponse g = t.grpc().complete(request("Tenants of gRPC", 3).setTenant("globex").build());
        t.grpc().complete(request("Nobody", 2).build());

        Map<String, Double> after = t.scrape();
        assertEquals(5, delta(before, after, "ferry_tenant_completion_tokens_total" + acme));
        assertEquals(acmePrompt, delta(before, after, "ferry_tenant_prompt_tokens_total" + acme));
        assertEquals(3, delta(before, after, "ferry_tenant_completion_tokens_total" + globex));
        assertEquals(g.getFinish().getUsage().getPromptTokens(), delta(before, after, "ferry_tenant_prompt_tokens_total" + globex));
        assertEquals(2, delta(before, after, "ferry_tenant_completion_tokens_total" + nobody));
    }

    @Test
    void aResponseCacheHitMovesTheCacheFigures() throws Exception {
        Map<String, Double> before = t.scrape();
        GenerateRequest same = request("Cache me", 6).build();
        assertFalse(t.grpc().complete(same).getFinish().getUsage().getCached());
        assertTrue(t.grpc().complete(same).getFinish().getUsage().getCached());
        Map<String, Double> after = t.scrape();

        assertEquals(1, delta(before, after, "ferry_response_cache_hits_total{level=\"l1\"}"));
        assertEquals(0, delta(before, after, "ferry_response_cache_hits_total{level=\"l2\"}"));
        assertEquals(1, delta(before, after, "ferry_response_cache_misses_total"));
        assertEquals(1, delta(before, after, "ferry_response_cache_stores_total"));
        assertTrue(after.get("ferry_response_cache_hit_ratio") > 0);
        assertTrue(after.get("ferry_response_cache_bytes") > 0);
        assertEquals(0, after.get("ferry_redis_up"), "no Redis configured");
        assertEquals(0, after.get("ferry_redis_errors_total"));
    }

    @Test
    void theRequestLogIsSilentUnlessAskedFor() throws Exception {
        try (LogCapture log = LogCapture.of(RequestLog.LOGGER)) {
            t.grpc().complete(request("Not logged", 2).build());
            assertEquals(400, t.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}").statusCode());
            assertEquals(List.of(), log.messages(Level.INFO)); // accounting runs before the answer goes out
        }
    }

    private static void assertStatus(Status.Code code, GenerateRequest r) {
        var e = assertThrows(StatusRuntimeException.class, () -> t.grpc().complete(r));
        assertEquals(code, e.getStatus().getCode(), e.getMessage());
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
        return after.getOrDefault(sample, 0.0) - before.getOrDefault(sample, 0.0);
    }
}
