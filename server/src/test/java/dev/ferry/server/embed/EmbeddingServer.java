package dev.ferry.server.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.cache.ResultsStoreConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Ferry server on ephemeral ports (HTTP and gRPC) over a store holding both kinds of model:
 * the tiny Llama ({@value ServingFixture#MODEL}), a tiny BERT embedding model ({@value #BERT}) and
 * the same BERT weights declaring Matryoshka sizes ({@value #MRL}); and the reference an answer is
 * checked against, the same folder's encoder loaded in-process.
 */
final class EmbeddingServer implements AutoCloseable {
    static final String BERT = "bert";
    static final String MRL = "bert-mrl";
    static final ObjectMapper JSON = new ObjectMapper();

    final Path store;
    final ModelRegistry registry;
    final FerryServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ManagedChannel channel;

    EmbeddingServer(Path store, EmbeddingCacheConfig cache) throws IOException {
        this(createStore(store), cache, ResultsStoreConfig.DISABLED, true);
    }

    /**
     * Over a store already made (or to be made of the embedding models alone, when {@code made} is false).
     *
     * @param results the results database behind the embedding cache
     */
    private EmbeddingServer(Path store, EmbeddingCacheConfig cache, ResultsStoreConfig results, boolean made)
            throws IOException {
        this.store = store;
        if (!made) {
            createBert(store.resolve(BERT));
        }
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), serving -> EngineConfig.DEFAULTS));
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES,
                ResponseCacheConfig.DISABLED, TenantQuotas.unlimited(), Observability.DEFAULTS, cache, results));
        server.loadModels();
    }

    /** A server whose store holds the tiny BERT alone (the cache tests need no generator). */
    static EmbeddingServer bertOnly(Path store, EmbeddingCacheConfig cache) throws IOException {
        return new EmbeddingServer(store, cache, ResultsStoreConfig.DISABLED, false);
    }

    /** The same with a results database; {@code made}: over the store of an earlier one (a restart). */
    static EmbeddingServer bertOnly(Path store, EmbeddingCacheConfig cache, ResultsStoreConfig results, boolean made)
            throws IOException {
        return new EmbeddingServer(store, cache, results, made);
    }

    /** The tiny Llama, a tiny BERT, and the BERT again with {@code matryoshka-dimensions=16,32}. */
    static Path createStore(Path store) throws IOException {
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL));
        createBert(store.resolve(BERT));
        createBert(store.resolve(MRL));
        Files.writeString(store.resolve(MRL).resolve("ferry.properties"), "matryoshka-dimensions=16,32\n");
        return store;
    }

    static void createBert(Path dir) throws IOException {
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.fromName("bert")), dir);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The value of a metric line of /metrics ({@code name{labels}}), 0 when absent. */
    double metric(String series) throws IOException, InterruptedException {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /** Waits (up to 10 s) until a metric reaches at least {@code least}. */
    void awaitMetric(String series, double least) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (metric(series) < least) {
            if (System.nanoTime() > end) {
                throw new AssertionError(series + " is still " + metric(series) + ", not " + least);
            }
            Thread.sleep(20);
        }
    }

    synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        }
        return channel;
    }

    /** What the store's BERT embeds for each text, computed in-process by the engine alone. */
    static float[][] reference(Path folder, List<String> texts) {
        try (ModelFolder f = ModelFolder.open(folder); LoadedEncoder encoder = LoadedEncoder.load(f, LoadOptions.defaults())) {
            return encoder.embed(texts.stream().map(encoder::encode).toList());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        server.close();
    }
}
