package dev.ferry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.Priority;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst far beyond a model's bounds over real sockets (the shape, scaled to a test): every
 * request ends in 200 or 429/RESOURCE_EXHAUSTED with a retry hint, none hangs, and the server
 * answers /health and serves afterwards; a request for a full model is refused before its prompt
 * is even read.
 */
class BurstTest {
    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final int BURST = 200;

    @TempDir
    static Path store;
    static ModelRegistry registry;
    static FerryServer server;
    static ManagedChannel channel;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        ServingFixture.createTinyModel(store.resolve(ServingFixture.MODEL));
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS.withMaxNumSeqs(4), AdmissionLimits.DEFAULTS.withMaxWaiting(8, 8)));
        registry.loadAll();
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DISABLED,
                TenantQuotas.unlimited()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void everyRequestOfAnHttpBurstIsAnsweredAndTheServerLivesOn() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            answers.add(HTTP.sendAsync(completion("[1,2,3," + (4 + i % 100) + "]"), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS); // none hangs
        int ok = 0;
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.join();
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"queue_full: "), "the reason first: " + r.body());
                assertTrue(Integer.parseInt(r.headers().firstValue("retry-after").orElse("0")) >= 1, "a retry hint");
                refused++;
            }
        }
        assertTrue(ok >= 8 && refused > 0, ok + " answered, " + refused + " refused");
        assertAlive();
    }

    @Test
    void everyCallOfAGrpcBurstIsAnsweredAndTheServerLivesOn() throws Exception {
        List<CompletableFuture<Status>> ends = new ArrayList<>();
        InferenceGrpc.InferenceStub stub = InferenceGrpc.newStub(channel);
        for (int i = 0; i < BURST; i++) {
            CompletableFuture<Status> end = new CompletableFuture<>();
            stub.complete(grpcRequest(4 + i % 100), new StreamObserver<CompleteResponse>() {
                @Override
                public void onNext(CompleteResponse value) {
                }

                @Override
                public void onError(Throwable t) {
                    Status s = Status.fromThrowable(t);
                    Metadata trailers = Status.trailersFromThrowable(t);
                    end.complete(trailers != null && trailers.get(RETRY_AFTER) != null ? s
                            : s.augmentDescription("(no retry-after trailer)"));
                }

                @Override
                public void onCompleted() {
                    end.complete(Status.OK);
                }
            });
            ends.add(end);
        }
        CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        int ok = 0;
        for (CompletableFuture<Status> e : ends) {
            Status s = e.join();
            if (s.isOk()) {
                ok++;
            } else {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
                assertTrue(s.getDescription().startsWith("queue_full: ") && !s.getDescription().contains("no retry-after"),
                        s.getDescription());
            }
        }
        assertTrue(ok >= 8 && ok < BURST, ok + " of " + BURST + " answered");
        assertAlive();
    }

    @Test
    void aRequestForAFullModelIsRefusedBeforeItsPromptIsRead() throws Exception {
        Admission admission = registry.get(ServingFixture.MODEL).instance().admission();
        List<Admission.Ticket> waiting = new ArrayList<>();
        while (admission.waiting() < 8) {
            waiting.add(admission.admit(1, Priority.INTERACTIVE, 0));
        }
        try {
            // a prompt the model cannot take (ids beyond its vocabulary): a 400 once read, but never read
            HttpResponse<String> r = HTTP.send(completion("[999999]"), HttpResponse.BodyHandlers.ofString());
            assertEquals(429, r.statusCode(), r.body());
            assertTrue(r.body().contains("queue_full: 8 interactive requests are already waiting"), r.body());
            assertTrue(r.headers().firstValue("retry-after").isPresent());

            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> InferenceGrpc.newBlockingStub(channel).complete(grpcRequest(999_999)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getTrailers().get(RETRY_AFTER) != null);
        } finally {
            waiting.forEach(Admission.Ticket::started);
        }
        HttpResponse<String> r = HTTP.send(completion("[999999]"), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), "read once there is room: " + r.body());
    }

    private static HttpRequest completion(String prompt) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/v1/completions"))
                .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"prompt\":" + prompt
                        + ",\"max_tokens\":16,\"ignore_eos\":true,\"temperature\":1}"))
                .build();
    }

    private static GenerateRequest grpcRequest(int lastId) {
        return GenerateRequest.newBuilder().setModel("tiny").setTokenIds(TokenIds.newBuilder().addIds(1).addIds(2)
                        .addIds(lastId)).setMaxTokens(16).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(1)).build();
    }

    /** /health answers, and a request is served, once the burst is over. */
    private static void assertAlive() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpResponse<String> again;
        do { // the burst's admitted requests may still hold the queue for a moment
            again = HTTP.send(completion("[1,2,3]"), HttpResponse.BodyHandlers.ofString());
        } while (again.statusCode() == 429 && System.nanoTime() < end);
        assertEquals(200, again.statusCode(), again.body());
    }
}
