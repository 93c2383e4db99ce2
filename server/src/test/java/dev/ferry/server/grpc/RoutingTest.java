package dev.ferry.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.GetModelRequest;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.api.v1.UnloadModelRequest;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.route.RouteStats;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.server.NettyTransport;
import dev.ferry.server.ServerContext;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.http.HttpApiServer;
import dev.ferry.server.serving.ApiException;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ModelLoader;
import dev.ferry.server.serving.ModelRegistry;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.serving.StoreWatcher;
import dev.ferry.server.stream.StreamStats;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small and a large model behind the route {@code auto} (complexity: 16 prompt tokens), over real
 * sockets: where requests go, fallback when the large model is saturated or unloaded, rejection when
 * fallback is not allowed, and an unload that lets every stream in flight finish.
 */
class RoutingTest {
    private static final int LONG = 40;
    private static final int SHORT = 4;

    @TempDir
    static Path store;
    /** Models the test admission refuses, as a saturated model's admission control would. */
    static final Set<String> saturated = ConcurrentHashMap.newKeySet();
    static ModelRegistry registry;
    static Inference inference;
    static NettyTransport transport;
    static ExecutorService executor;
    static GrpcServer grpc;
    static HttpApiServer http;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        ServingFixture.createTinyModel(store.resolve("small"), 1);
        Files.writeString(store.resolve("small/ferry.properties"), "tier = small\n");
        ServingFixture.createLargerModel(store.resolve("large"), 2);
        Files.writeString(store.resolve("large/ferry.properties"), "tier = large\n");
        Files.writeString(store.resolve("routes.properties"), """
                route.auto.candidates = small, large
                route.auto.policy = complexity
                route.auto.complexity.prompt-tokens = 16
                route.auto.complexity.max-tokens = 1000
                """);
        registry = new ModelRegistry(store, new ModelLoader(RunnerOptions.defaults(), s -> EngineConfig.DEFAULTS),
                Duration.ofSeconds(30));
        registry.loadAll();
        inference = new Inference(registry, ServingLimits.DEFAULTS, null, (model, request) -> {
            if (saturated.contains(model.name())) {
                throw ApiException.exhausted(model.name() + " is saturated", 2);
            }
        });
        executor = Executors.newFixedThreadPool(4);
        ServerContext ctx = new ServerContext(inference, ApiKeys.none(), new StreamStats(), executor);
        transport = new NettyTransport(2);
        grpc = GrpcServer.start(ctx, transport, new InetSocketAddress("127.0.0.1", 0), 32 * 1024, executor, executor);
        http = HttpApiServer.start(ctx, transport, "127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        grpc.close();
        http.close();
        transport.close();
        registry.close();
        executor.shutdownNow();
    }

    @BeforeEach
    void bothModelsServe() {
        saturated.clear();
        registry.load("large");
    }

    static GenerateRequest.Builder request(String model, int promptTokens, int maxTokens) {
        return GenerateRequest.newBuilder().setModel(model)
                .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.range(0, promptTokens).map(i -> 7 + i).boxed()
                        .toList()))
                .setMaxTokens(maxTokens).setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0));
    }

    static Finish complete(GenerateRequest.Builder r) {
        CompleteResponse c = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .complete(r.build());
        assertEquals(FinishReason.FINISH_REASON_LENGTH, c.getFinish().getReason());
        return c.getFinish();
    }

    static long count(String model, RouteStats.Outcome outcome) {
        return inference.routing().stats().snapshot().getOrDefault(new RouteStats.Key("auto", model, outcome), 0L);
    }

    @Test
    void shortRequestsGoToTheSmallModelAndLongOnesToTheLarge() {
        long chosenBefore = count("small", RouteStats.Outcome.CHOSEN);
        Finish simple = complete(request("auto", SHORT, 4));
        assertEquals("small", simple.getModel());
        assertEquals("auto", simple.getRoute());
        assertEquals("complexity 0.25 (prompt 4/16 tokens, max_tokens 4/1000) < 1.00: simple -> small tier -> small",
                simple.getRouteReason());
        assertEquals(chosenBefore + 1, count("small", RouteStats.Outcome.CHOSEN));

        Finish complex = complete(request("auto", LONG, 4));
        assertEquals("large", complex.getModel());
        assertTrue(complex.getRouteReason().startsWith("complexity 2.50 (prompt 40/16 tokens"), complex.getRouteReason());
        assertTrue(complex.getRouteReason().endsWith("complex -> large tier -> large"), complex.getRouteReason());
    }

    @Test
    void aModelNamedDirectlySaysSo() {
        Finish f = complete(request("large", SHORT, 2));
        assertEquals("large", f.getModel());
        assertEquals("", f.getRoute());
        assertEquals("named in the request", f.getRouteReason());
    }

    @Test
    void aSaturatedLargeModelFallsBackToTheSmall() {
        saturated.add("large");
        long before = count("small", RouteStats.Outcome.FALLBACK);
        Finish f = complete(request("auto", LONG, 4));
        assertEquals("small", f.getModel());
        assertTrue(f.getRouteReason().contains("-> large could not take it (resource_exhausted: large is saturated) "
                + "-> fell back to small"), f.getRouteReason());
        assertEquals(before + 1, count("small", RouteStats.Outcome.FALLBACK));
    }

    @Test
    void withoutFallbackASaturatedModelRejectsWithTheRoutesReason() {
        saturated.add("large");
        long before = count("large", RouteStats.Outcome.REJECTED);
        var e = assertThrows(StatusRuntimeException.class, () -> complete(request("auto", LONG, 4)
                .setAllowFallback(false)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        String why = e.getStatus().getDescription();
        assertTrue(why.startsWith("route 'auto' chose large (complexity 2.50"), why);
        assertTrue(why.contains("large could not take it (resource_exhausted: large is saturated)"), why);
        assertTrue(why.endsWith("the request does not allow fallback to small"), why);
        assertEquals(before + 1, count("large", RouteStats.Outcome.REJECTED));
    }

    @Test
    void anUnloadedLargeModelFallsBackToTheSmallOrRejectsWithoutFallback() {
        assertEquals(ModelState.MODEL_STATE_UNLOADED, ModelsGrpc.newBlockingStub(channel)
                .unload(UnloadModelRequest.newBuilder().setName("large").build()).getState());
        Finish f = complete(request("auto", LONG, 4));
        assertEquals("small", f.getModel());
        assertTrue(f.getRouteReason().endsWith("-> large tier -> large is unloaded -> fell back to small"),
                f.getRouteReason());

        var e = assertThrows(StatusRuntimeException.class, () -> complete(request("auto", LONG, 4)
                .setAllowFallback(false)));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("large is unloaded; the request does not allow fallback"),
                e.getStatus().getDescription());
        var named = assertThrows(StatusRuntimeException.class, () -> complete(request("large", SHORT, 2)));
        assertEquals(Status.Code.UNAVAILABLE, named.getStatus().getCode());
    }

    /**
     * Unload while streams run on the large model and new requests keep arriving: every stream in
     * flight completes in full, every request gets exactly one terminal answer, none is lost.
     */
    @Test
    void unloadWhileStreamingLosesNoRequest() throws Exception {
        int streams = 6;
        int tokens = 120;
        CountDownLatch allStreaming = new CountDownLatch(streams);
        List<Outcome> inFlight = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            Outcome o = new Outcome(allStreaming);
            inFlight.add(o);
            InferenceGrpc.newStub(channel).generate(request("large", SHORT + i, tokens).build(), o);
        }
        assertTrue(allStreaming.await(30, TimeUnit.SECONDS), "every stream has its first token");

        CompletableFuture<ModelState> unload = CompletableFuture.supplyAsync(() -> ModelsGrpc.newBlockingStub(channel)
                .unload(UnloadModelRequest.newBuilder().setName("large").build()).getState());
        List<Outcome> arrivals = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // routed meanwhile: the large model while it still takes them, else the small
            Outcome o = new Outcome(new CountDownLatch(1));
            arrivals.add(o);
            InferenceGrpc.newStub(channel).generate(request("auto", LONG, 8).build(), o);
            Thread.sleep(5);
        }
        assertEquals(ModelState.MODEL_STATE_UNLOADED, unload.get(60, TimeUnit.SECONDS));

        for (Outcome o : inFlight) {
            Finish f = o.finish.get(30, TimeUnit.SECONDS);
            assertEquals(FinishReason.FINISH_REASON_LENGTH, f.getReason());
            assertEquals(tokens, f.getUsage().getCompletionTokens());
            assertEquals(tokens, o.tokens.get());
        }
        for (Outcome o : arrivals) {
            Finish f = o.finish.get(30, TimeUnit.SECONDS);
            assertEquals(8, f.getUsage().getCompletionTokens(), "served by " + f.getModel());
        }
        for (Outcome o : inFlight) {
            assertEquals(1, o.terminals.get(), "exactly one terminal answer");
        }
        for (Outcome o : arrivals) {
            assertEquals(1, o.terminals.get(), "exactly one terminal answer");
        }
    }

    @Test
    void httpAnswersSayWhichModelServedAndWhy() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(post("{\"model\":\"auto\",\"prompt\":\"Hi\",\"max_tokens\":2}"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("small", r.headers().firstValue("x-ferry-model").orElseThrow());
        assertEquals("auto", r.headers().firstValue("x-ferry-route").orElseThrow());
        assertTrue(r.headers().firstValue("x-ferry-route-reason").orElseThrow().contains("simple -> small tier"));
        assertEquals("small", new ObjectMapper().readTree(r.body()).get("model").asText());

        saturated.add("large");
        String longPrompt = "word ".repeat(30);
        HttpResponse<String> refused = client.send(post("{\"model\":\"auto\",\"prompt\":\"" + longPrompt
                + "\",\"max_tokens\":2,\"allow_fallback\":false,\"stream\":true}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("route 'auto' chose large"), refused.body());

        HttpResponse<String> fellBack = client.send(post("{\"model\":\"auto\",\"prompt\":\"" + longPrompt
                + "\",\"max_tokens\":2,\"stream\":true}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, fellBack.statusCode(), fellBack.body());
        assertEquals("small", fellBack.headers().firstValue("x-ferry-model").orElseThrow());
        assertTrue(fellBack.headers().firstValue("x-ferry-route-reason").orElseThrow().endsWith("fell back to small"));
    }

    @Test
    void aModelCopiedIntoTheStoreServesAndGoesWhenItsFolderIsDeleted(@TempDir Path outside) throws Exception {
        ServingFixture.createTinyModel(outside.resolve("hot"), 9);
        try (StoreWatcher watcher = StoreWatcher.start(registry, inference.routing(), Duration.ofMillis(100),
                Duration.ofSeconds(1), Duration.ofSeconds(30))) {
            Files.createDirectories(store.resolve("hot"));
            try (Stream<Path> files = Files.list(outside.resolve("hot"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, store.resolve("hot").resolve(f.getFileName()));
                }
            }
            var models = ModelsGrpc.newBlockingStub(channel);
            GetModelRequest hot = GetModelRequest.newBuilder().setName("hot").build();
            waitFor(() -> ready(models, hot));
            assertEquals("hot", complete(request("hot", SHORT, 3)).getModel());

            try (Stream<Path> files = Files.walk(store.resolve("hot"))) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            waitFor(() -> {
                try {
                    models.get(hot);
                    return false;
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode() == Status.Code.NOT_FOUND;
                }
            });
        }
    }

    private static boolean ready(ModelsGrpc.ModelsBlockingStub models, GetModelRequest request) {
        try {
            return models.get(request).getState() == ModelState.MODEL_STATE_READY;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(50);
        }
    }

    @Test
    void modelsGetReportsTiersAndReplicas() {
        var info = ModelsGrpc.newBlockingStub(channel).get(GetModelRequest.newBuilder().setName("large").build());
        assertEquals("large", info.getTier());
        assertEquals(1, info.getReplicas());
        assertEquals("cpu", info.getDevice());
    }

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/v1/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** One stream's tokens and terminal answers; {@code finish} completes on the terminal one. */
    static final class Outcome implements StreamObserver<GenerateResponse> {
        final CompletableFuture<Finish> finish = new CompletableFuture<>();
        final AtomicInteger tokens = new AtomicInteger();
        final AtomicInteger terminals = new AtomicInteger();
        private final CountDownLatch firstToken;
        private volatile Finish last;

        Outcome(CountDownLatch firstToken) {
            this.firstToken = firstToken;
        }

        @Override
        public void onNext(GenerateResponse r) {
            if (tokens.getAndAdd(r.getTokenIdsCount()) == 0 && r.getTokenIdsCount() > 0) {
                firstToken.countDown();
            }
            if (r.hasFinish()) {
                last = r.getFinish();
            }
        }

        @Override
        public void onError(Throwable t) {
            terminals.incrementAndGet();
            finish.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            terminals.incrementAndGet();
            finish.complete(last);
        }
    }
}
