package dev.ferry.server.grpc;

import dev.ferry.server.routing.Routes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.CompleteResponse;
import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GetModelRequest;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.api.v1.UnloadModelRequest;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.models.StoreWatcher;
import dev.ferry.server.routing.RouteStats;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small and a large model behind the route {@code auto}, over real sockets: where requests go,
 * fallback when the large model is saturated (its admission control refuses) or unloaded,
 * rejection when fallback is not allowed, and a model copied into the watched store.
 */
class RoutingTest {
    static final int LONG = 40;
    static final int SHORT = 4;

    @TempDir
    static Path store;
    static TwoModelServer t;
    /** While a test saturates the large model: the calls that keep it busy. */
    private Context.CancellableContext saturation;

    @BeforeAll
    static void start() throws Exception {
        // the large model runs one sequence at a time and lets one more wait: a third is refused, deterministically
        t = new TwoModelServer(store, new AdmissionLimits(1, 1, 1 << 20, true), "max-num-seqs = 1\n");
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @BeforeEach
    void bothModelsServe() {
        t.registry.load("large");
    }

    @AfterEach
    void endSaturation() throws InterruptedException {
        if (saturation != null) {
            saturation.cancel(null);
            Admission large = t.registry.get("large").instance().admission();
            waitFor(() -> large.waiting() == 0 && t.registry.get("large").instance().inFlight() == 0);
        }
    }

    static GenerateRequest.Builder request(String model, int promptTokens, int maxTokens) {
        return GenerateRequest.newBuilder().setModel(model)
                .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.range(0, promptTokens).map(i -> 7 + i).boxed()
                        .toList()))
                .setMaxTokens(maxTokens).setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0));
    }

    private static Finish complete(GenerateRequest.Builder r) {
        CompleteResponse c = InferenceGrpc.newBlockingStub(t.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .complete(r.build());
        assertEquals(FinishReason.FINISH_REASON_LENGTH, c.getFinish().getReason());
        return c.getFinish();
    }

    static long count(String model, RouteStats.Outcome outcome) {
        return t.inference.routing().stats().snapshot().getOrDefault(new RouteStats.Key("auto", model, outcome), 0L);
    }

    /** One long request runs on the large model and one more waits for it: admission refuses the next. */
    private void saturateLarge() throws InterruptedException {
        saturation = Context.current().withCancellation();
        Admission large = t.registry.get("large").instance().admission();
        saturation.run(() -> InferenceGrpc.newStub(t.channel).generate(request("large", SHORT, 4000).build(),
                new StreamOutcome()));
        waitFor(() -> large.waiting() == 0 && t.registry.get("large").instance().inFlight() == 1);
        saturation.run(() -> InferenceGrpc.newStub(t.channel).generate(request("large", SHORT, 4000).build(),
                new StreamOutcome()));
        waitFor(() -> large.waiting() == 1);
    }

    @Test
    void shortRequestsGoToTheSmallModelAndLongOnesToTheLarge() throws Exception {
        long chosenBefore = count("small", RouteStats.Outcome.CHOSEN);
        Finish simple = complete(request("auto", SHORT, 4));
        assertEquals("small", simple.getModel());
        assertEquals("auto", simple.getRoute());
        assertEquals("complexity 0.25 (heuristic (learned after 200 shadows, 0 so far): prompt 4/16 tokens, "
                + "max_tokens 4/1000) < 1.00: simple -> small tier -> small", simple.getRouteReason());
        awaitCount("small", RouteStats.Outcome.CHOSEN, chosenBefore + 1);

        Finish complex = complete(request("auto", LONG, 4));
        assertEquals("large", complex.getModel());
        assertTrue(complex.getRouteReason().startsWith(
                "complexity 2.50 (heuristic (learned after 200 shadows, 0 so far): prompt 40/16 tokens"),
                complex.getRouteReason());
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
    void aSaturatedLargeModelFallsBackToTheSmall() throws Exception {
        saturateLarge();
        long before = count("small", RouteStats.Outcome.FALLBACK);
        Finish f = complete(request("auto", LONG, 4));
        assertEquals("small", f.getModel());
        assertTrue(f.getRouteReason().contains("-> large could not take it (resource_exhausted: queue_full: "),
                f.getRouteReason());
        assertTrue(f.getRouteReason().endsWith("-> fell back to small"), f.getRouteReason());
        awaitCount("small", RouteStats.Outcome.FALLBACK, before + 1);
    }

    @Test
    void withoutFallbackASaturatedModelRejectsWithTheRoutesReason() throws Exception {
        saturateLarge();
        long before = count("large", RouteStats.Outcome.REJECTED);
        var e = assertThrows(StatusRuntimeException.class, () -> complete(request("auto", LONG, 4)
                .setAllowFallback(false)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        String why = e.getStatus().getDescription();
        assertTrue(why.startsWith("route 'auto' chose large (complexity 2.50"), why);
        assertTrue(why.contains("large could not take it (resource_exhausted: queue_full: "), why);
        assertTrue(why.endsWith("the request does not allow fallback to small"), why);
        assertEquals(before + 1, count("large", RouteStats.Outcome.REJECTED));
    }

    @Test
    void anUnloadedLargeModelFallsBackToTheSmallOrRejectsWithoutFallback() {
        assertEquals(ModelState.MODEL_STATE_UNLOADED, ModelsGrpc.newBlockingStub(t.channel)
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

        saturateLarge();
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

        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.http.port() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String outcome : new String[] {"chosen", "fallback", "rejected"}) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("ferry_route_requests_total{")
                    && l.contains("outcome=\"" + outcome + "\"") && l.contains("route=\"auto\"")), metrics);
        }
    }

    @Test
    void aModelCopiedIntoTheStoreServesAndGoesWhenItsFolderIsDeleted(@TempDir Path outside) throws Exception {
        ServingFixture.createTinyModel(outside.resolve("hot"), 9);
        try (StoreWatcher watcher = StoreWatcher.start(t.registry, Routes.FILE, t.inference.routing()::reload, Duration.ofMillis(100),
                Duration.ofSeconds(1), Duration.ofSeconds(30))) {
            Files.createDirectories(store.resolve("hot"));
            try (Stream<Path> files = Files.list(outside.resolve("hot"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, store.resolve("hot").resolve(f.getFileName()));
                }
            }
            var models = ModelsGrpc.newBlockingStub(t.channel);
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

    @Test
    void modelsGetReportsTiersAndReplicas() {
        var info = ModelsGrpc.newBlockingStub(t.channel).get(GetModelRequest.newBuilder().setName("large").build());
        assertEquals("large", info.getTier());
        assertEquals(1, info.getReplicas());
        assertEquals("cpu", info.getDevice());
    }

    private static boolean ready(ModelsGrpc.ModelsBlockingStub models, GetModelRequest request) {
        try {
            return models.get(request).getState() == ModelState.MODEL_STATE_READY;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    /**
     * Waits until the route counts {@code expected}, and checks it stays there. A request is counted
     * as served once its replica has taken it, which for four tokens can be after the stream ended.
     */
    private static void awaitCount(String model, RouteStats.Outcome outcome, long expected) throws InterruptedException {
        waitFor(() -> count(model, outcome) >= expected);
        assertEquals(expected, count(model, outcome));
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out");
            Thread.sleep(10);
        }
    }

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.http.port() + "/v1/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
