package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.cache.ResultsStoreConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.DoublePredicate;

/**
 * A real {@link FerryServer} on free ports with every cache level: in-process, the given Redis (or
 * none) and the given results database; and a plain HTTP client for it.
 */
public final class CachingServer implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public final FerryServer server;

    public CachingServer(ModelRegistry registry, String redisUrl, String resultsUrl) throws IOException {
        ResponseCacheConfig responses = ResponseCacheConfig.DEFAULTS.withRedis(redisUrl);
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, responses,
                TenantQuotas.unlimited(), Observability.DEFAULTS, EmbeddingCacheConfig.DEFAULTS.withRedis(redisUrl),
                new ResultsStoreConfig(true, resultsUrl, ResultsStoreConfig.DEFAULT_TTL,
                        ResultsStoreConfig.DEFAULT_MAX_BYTES)));
    }

    public String url() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code x-ferry-cache} header of a response. */
    public static String level(HttpResponse<?> response) {
        return response.headers().firstValue("x-ferry-cache").orElse("none");
    }

    /** A sample of /metrics, as written ({@code name{labels}}); 0 when absent. */
    public double metric(String sample) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return PrometheusText.samples(body).getOrDefault(sample, 0.0);
    }

    /** Waits (up to 10 s) until {@code sample} satisfies {@code expected}. */
    public void awaitMetric(String sample, DoublePredicate expected) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double v;
        while (!expected.test(v = metric(sample))) {
            assertTrue(System.nanoTime() < end, sample + " is still " + v);
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
