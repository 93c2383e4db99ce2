package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.models.StoreWatcher;
import dev.ferry.server.routing.Routes;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness over HTTP ({@code /ready}) and gRPC health ({@code ""}) follows "any model serves, not
 * draining": a model being added or one that failed shows in its own state, never pulls the server.
 */
class ReadinessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESIDENT = "resident";
    private static final String ADDED = "added";

    @TempDir
    Path store;
    @TempDir
    Path outside;
    /** Loads after the first wait here while the test holds it shut, so that "loading" is seen for sure. */
    private volatile CountDownLatch loadGate = new CountDownLatch(0);
    private ModelRegistry registry;
    private FerryServer server;
    private ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        ServingFixture.createTinyModel(store.resolve(RESIDENT), 1);
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), serving -> {
            try {
                loadGate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return EngineConfig.DEFAULTS;
        }));
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES));
        server.loadModels();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        loadGate.countDown();
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void aModelCopiedIntoTheStoreLoadsWhileTheServerStaysReady() throws Exception {
        ServingFixture.createTinyModel(outside.resolve(ADDED), 2);
        List<String> addedStates = new ArrayList<>();
        try (StoreWatcher watcher = StoreWatcher.start(registry, Routes.FILE, server.context().inference().routing()::reload,
                Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(30))) {
            loadGate = new CountDownLatch(1);
            copyFolder(outside.resolve(ADDED), store.resolve(ADDED));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!addedStates.contains("ready")) {
                assertTrue(System.nanoTime() < end, "the added model never became ready: " + addedStates);
                HttpResponse<String> ready = get("/ready");
                assertEquals(200, ready.statusCode(), "while " + ADDED + " was " + addedStates + ": " + ready.body());
                JsonNode body = JSON.readTree(ready.body());
                assertEquals("ready", body.get("status").asText());
                assertEquals("ready", body.at("/models/" + RESIDENT + "/state").asText());
                assertEquals(ServingStatus.SERVING, health(""));
                String state = body.at("/models/" + ADDED + "/state").asText("absent");
                if (state.equals("loading") && loadGate.getCount() > 0) { // held: it cannot finish meanwhile
                    assertEquals(ServingStatus.NOT_SERVING, health(ADDED), "a loading model does not serve yet");
                    loadGate.countDown();
                }
                if (addedStates.isEmpty() || !addedStates.get(addedStates.size() - 1).equals(state)) {
                    addedStates.add(state);
                }
                Thread.sleep(50);
            }
        }
        assertEquals(List.of("loading", "ready"), addedStates.stream().filter(s -> !s.equals("absent")).toList());
        assertEquals(ServingStatus.SERVING, health(ADDED));
        assertEquals(ServingStatus.SERVING, health(""));
    }

    @Test
    void aFailedModelIsReportedAndOnlyNoServingModelMeansNotReady() throws Exception {
        Path broken = Files.createDirectories(store.resolve("broken"));
        ServingFixture.createTinyModel(outside.resolve("broken"), 3);
        Files.copy(outside.resolve("broken/config.json"), broken.resolve("config.json"));
        assertEquals(ServedModel.State.FAILED, registry.load("broken").state());

        HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode failed = JSON.readTree(ready.body()).at("/models/broken");
        assertEquals("failed", failed.get("state").asText());
        assertTrue(failed.has("error"), failed.toString());
        assertEquals(ServingStatus.SERVING, health(""));
        assertEquals(ServingStatus.NOT_SERVING, health("broken"));

        registry.unload(RESIDENT, Duration.ZERO);
        HttpResponse<String> none = get("/ready");
        assertEquals(503, none.statusCode(), none.body());
        assertEquals("not_ready", JSON.readTree(none.body()).get("status").asText());
        assertEquals(ServingStatus.NOT_SERVING, health(""));
        assertEquals(200, get("/health").statusCode(), "liveness does not follow the models");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private ServingStatus health(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    /** Copies file by file, as an operator's cp does, so the watcher sees the folder grow. */
    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
