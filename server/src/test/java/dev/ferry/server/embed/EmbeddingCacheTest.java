package dev.ferry.server.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.RedisServer;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.server.cache.ResultsStoreConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding cache on real servers and a real Redis: a list with cached and new inputs runs only
 * the new ones on the encoder (its metrics count them); a second instance finds the first one's
 * vectors in Redis; Redis going away leaves requests answered from the engine and the in-process level;
 * vectors outlive a restart in the results database; x-ferry-cache says which level answered.
 */
class EmbeddingCacheTest {
    private static final String COMPUTED = "ferry_embeddings_total{model=\"bert\"}";

    @Test
    void anInputRepeatedInOneListRunsOnce(@TempDir Path store) throws Exception {
        try (EmbeddingServer ferry = EmbeddingServer.bertOnly(store, EmbeddingCacheConfig.DEFAULTS)) {
            JsonNode r = embed(ferry, "[\"same fish\", \"other fish\", \"same fish\"]");
            assertEquals(2, ferry.metric(COMPUTED), "the repeat took the first one's vector");
            assertEquals(r.at("/data/0/embedding"), r.at("/data/2/embedding"));
            assertEquals(3, r.get("data").size());
        }
    }

    @Test
    void aPartlyCachedListComputesOnlyItsNewInputs(@TempDir Path store) throws Exception {
        try (EmbeddingServer ferry = EmbeddingServer.bertOnly(store, EmbeddingCacheConfig.DEFAULTS)) {
            var computed = post(ferry, "[\"one fish\", \"two fish\"]");
            assertEquals("miss", computed.headers().firstValue("x-ferry-cache").orElseThrow());
            JsonNode first = EmbeddingServer.json(computed);
            assertEquals(2, ferry.metric(COMPUTED));
            JsonNode second = embed(ferry, "[\"red fish\", \"one fish\", \"blue fish\", \"two fish\"]");
            assertEquals(4, ferry.metric(COMPUTED), "only red and blue ran on the encoder");
            assertEquals(2, ferry.metric("ferry_embedding_cache_hits_total{level=\"l1\"}"));
            assertEquals(first.at("/data/0/embedding"), second.at("/data/1/embedding"));
            assertEquals(first.at("/data/1/embedding"), second.at("/data/3/embedding"));
            var encoder = ferry.registry.get(EmbeddingServer.BERT).embedder().encoder();
            int tokens = 0;
            for (String t : new String[] {"red fish", "one fish", "blue fish", "two fish"}) {
                tokens += encoder.encode(t).length;
            }
            assertEquals(tokens, second.at("/usage/prompt_tokens").asInt(), "cached inputs count in usage too");
            assertEquals(1, embed(ferry, "[\"one fish\"]").get("data").size());
            assertEquals(4, ferry.metric(COMPUTED));
            assertTrue(ferry.metric("ferry_embedding_cache_hit_ratio") > 0.4);

            JsonNode shorter = embed(ferry, "\"one fish\", \"dimensions\": 64, \"encoding_format\": \"base64\"");
            assertEquals(4, ferry.metric(COMPUTED), "the full size asked for by name is the same vector");
            assertTrue(shorter.at("/data/0/embedding").isTextual());
            assertEquals("l1", level(ferry, "[\"one fish\", \"red fish\"]"), "all from the in-process level");
            assertEquals("miss", level(ferry, "[\"one fish\", \"green fish\"]"), "one ran on the encoder");
        }
    }

    @Test
    void instancesShareVectorsThroughRedisAndOutlastItsOutage(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddingServer a = EmbeddingServer.bertOnly(dir.resolve("a"), EmbeddingCacheConfig.DEFAULTS.withRedis(redis.url()));
             EmbeddingServer b = EmbeddingServer.bertOnly(dir.resolve("b"), EmbeddingCacheConfig.DEFAULTS.withRedis(redis.url()))) {
            awaitRedis(a, 1);
            awaitRedis(b, 1);
            JsonNode computed = embed(a, "[\"shared text\", \"other text\"]");
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (redis.commands().dbsize() < 2) { // the SETs are asynchronous
                assertTrue(System.nanoTime() < end, "the vectors never reached Redis");
                Thread.sleep(10);
            }
            var fromRedis = post(b, "[\"other text\", \"shared text\"]");
            assertEquals("l2", fromRedis.headers().firstValue("x-ferry-cache").orElseThrow());
            JsonNode shared = EmbeddingServer.json(fromRedis);
            assertEquals(0, b.metric(COMPUTED), "b ran nothing on its encoder");
            assertEquals(2, b.metric("ferry_embedding_cache_hits_total{level=\"l2\"}"));
            assertEquals(computed.at("/data/0/embedding"), shared.at("/data/1/embedding"));

            redis.kill();
            JsonNode during = embed(b, "[\"shared text\", \"new while redis is down\"]");
            assertEquals(1, b.metric(COMPUTED), "the new input ran; the other came from b's own level");
            assertEquals(computed.at("/data/0/embedding"), during.at("/data/0/embedding"));
            awaitRedis(b, 0);
            assertEquals(2, embed(b, "[\"again while down\", \"new while redis is down\"]").get("data").size());
            assertEquals(2, b.metric(COMPUTED));
        }
    }

    @Test
    void vectorsOutliveARestartInTheResultsDatabase(@TempDir Path dir) throws Exception {
        ResultsStoreConfig results = new ResultsStoreConfig(true, ResultsStoreConfig.h2Url(dir.resolve("results")),
                ResultsStoreConfig.DEFAULT_TTL, ResultsStoreConfig.DEFAULT_MAX_BYTES);
        Path store = dir.resolve("store");
        JsonNode computed;
        try (EmbeddingServer a = EmbeddingServer.bertOnly(store, EmbeddingCacheConfig.DEFAULTS, results, false)) {
            a.awaitMetric("ferry_results_db_up", 1);
            computed = embed(a, "[\"kept fish\"]");
            a.awaitMetric("ferry_results_db_writes_total", 1);
        }
        try (EmbeddingServer b = EmbeddingServer.bertOnly(store, EmbeddingCacheConfig.DEFAULTS, results, true)) {
            b.awaitMetric("ferry_results_db_up", 1);
            assertEquals("l3", level(b, "[\"kept fish\"]"));
            assertEquals(0, b.metric(COMPUTED), "nothing ran on the encoder after the restart");
            assertEquals(1, b.metric("ferry_embedding_cache_hits_total{level=\"l3\"}"));
            assertEquals(computed.at("/data/0/embedding"), embed(b, "[\"kept fish\"]").at("/data/0/embedding"));
            assertEquals("l1", level(b, "[\"kept fish\"]"), "an L3 hit is kept in-process");
        }
    }

    /** The x-ferry-cache header of an embeddings request. */
    private static String level(EmbeddingServer ferry, String input) throws Exception {
        return post(ferry, input).headers().firstValue("x-ferry-cache").orElse("none");
    }

    private static JsonNode embed(EmbeddingServer ferry, String input) throws Exception {
        return EmbeddingServer.json(post(ferry, input));
    }

    private static HttpResponse<String> post(EmbeddingServer ferry, String input) throws Exception {
        HttpResponse<String> r = ferry.post("/v1/embeddings", "{\"model\": \"bert\", \"input\": " + input + "}");
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    private static void awaitRedis(EmbeddingServer ferry, int up) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ferry.metric("ferry_embedding_cache_redis_up") != up) {
            assertTrue(System.nanoTime() < end, "ferry_embedding_cache_redis_up never became " + up);
            Thread.sleep(10);
        }
    }
}
