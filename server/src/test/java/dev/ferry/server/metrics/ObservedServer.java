package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.PrometheusText;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Ferry server, gRPC and HTTP on ephemeral ports, over the tiny test model; clients for both
 * transports, and its Prometheus figures as the text format writes them.
 */
final class ObservedServer implements AutoCloseable {
    static final String TINY = "model=\"tiny\"";

    final ServingFixture fixture;
    final FerryServer server;
    private final ManagedChannel channel;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    ObservedServer(Path store, ApiKeys keys, ResponseCacheConfig cache, Observability observability) throws IOException {
        fixture = new ServingFixture(store, keys, ServingLimits.DEFAULTS, EngineConfig.DEFAULTS);
        server = FerryServer.start(fixture.registry, new FerryServer.Options("127.0.0.1", 0, 0, keys,
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, cache, TenantQuotas.unlimited(),
                observability));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    ObservedServer(Path store, Observability observability) throws IOException {
        this(store, ApiKeys.none(), ResponseCacheConfig.DISABLED, observability);
    }

    InferenceGrpc.InferenceBlockingStub grpc() {
        return InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** A text prompt, {@code maxTokens} long whatever the model samples; greedy unless sampling is set. */
    static GenerateRequest.Builder request(String text, int maxTokens) {
        return GenerateRequest.newBuilder().setModel(ServingFixture.MODEL).setText(text).setMaxTokens(maxTokens)
                .setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0));
    }

    /** POSTs {@code json}; {@code headers} are name, value pairs. */
    HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Samples by name and labels ({@code name{a="x",b="y"}}), as the text format writes them. */
    Map<String, Double> scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return PrometheusText.samples(r.body());
    }

    /** One sample; 0 when the scrape does not have it (a counter not yet moved). */
    double sample(String nameAndLabels) throws IOException, InterruptedException {
        return scrape().getOrDefault(nameAndLabels, 0.0);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
        fixture.close();
    }
}
