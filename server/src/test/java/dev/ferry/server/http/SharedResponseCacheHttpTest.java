package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.FerryServer;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hit found in Redis, not in-process: the lookup is still on its way when the request is started,
 * and the stream's head waits for it, so it says {@code l2}.
 */
class SharedResponseCacheHttpTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aStreamAnsweredFromRedisSaysL2InItsHead(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start();
             ServingFixture first = new ServingFixture(dir.resolve("a"));
             ModelRegistry second = new ModelRegistry(copyOfStore(first.store, dir.resolve("b")),
                     new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS))) {
            second.loadAll();
            FerryServer.Options options = new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                    ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES,
                    ResponseCacheConfig.DEFAULTS.withRedis(redis.url()));
            FerryServer a = FerryServer.start(first.registry, options);
            FerryServer b = FerryServer.start(second, options);
            try {
                awaitRedis(a);
                awaitRedis(b);
                String body = """
                        {"prompt": "Shared", "max_tokens": 10, "temperature": 0, "ignore_eos": true, "stream": true,
                         "stream_options": {"include_usage": true}}""";
                long keys = redis.commands().dbsize();
                HttpResponse<String> generated = post(a, body);
                assertEquals("miss", generated.headers().firstValue(ResponseNotes.CACHE).orElseThrow());
                long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (redis.commands().dbsize() == keys) { // the SET is asynchronous
                    assertTrue(System.nanoTime() < end, "the answer never reached Redis");
                    Thread.sleep(10);
                }

                HttpResponse<String> shared = post(b, body);
                assertEquals("l2", shared.headers().firstValue(ResponseNotes.CACHE).orElseThrow());
                assertEquals(text(generated), text(shared));
                List<JsonNode> events = LiveServer.events(shared);
                assertTrue(events.get(events.size() - 1).at("/usage/" + ResponseJson.CACHE_HIT).asBoolean());
            } finally {
                b.close();
                a.close();
            }
        }
    }

    private static Path copyOfStore(Path store, Path to) throws IOException {
        Path model = Files.createDirectories(to.resolve(ServingFixture.MODEL));
        try (Stream<Path> files = Files.list(store.resolve(ServingFixture.MODEL))) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /** Waits until the server's response cache reaches Redis, as its metrics say. */
    private void awaitRedis(FerryServer server) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!get(server, "/metrics").lines().anyMatch(l -> l.equals("ferry_redis_up 1.0") || l.equals("ferry_redis_up 1"))) {
            assertTrue(System.nanoTime() < end, "the response cache did not connect to Redis within 5 s");
            Thread.sleep(10);
        }
    }

    private static String text(HttpResponse<String> r) throws IOException {
        StringBuilder text = new StringBuilder();
        for (JsonNode e : LiveServer.events(r)) {
            e.path("choices").forEach(c -> text.append(c.path("text").asText("")));
        }
        return text.toString();
    }

    private HttpResponse<String> post(FerryServer server, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(server, "/v1/completions")).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String get(FerryServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(server, path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static URI uri(FerryServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }
}
