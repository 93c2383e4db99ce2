package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TuningOptions;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.DerivedModels;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned router on a pair of tiers whose agreement is known by construction: the small tier is
 * the large model with the input embeddings of the weather prompts' own tokens replaced
 * ({@link DerivedModels#replaceEmbeddingRows}), so proofs (which use none of them) run on the small tier exactly as on the
 * large one and weather questions do not. After a warm-up in which every request goes small (the
 * heuristic's cut is far) and is shadowed, the learned scorer serves proofs small and weather large,
 * and the agreement it reports for what it serves small is what a direct comparison gives.
 */
class PerturbedRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOKENS = 8;
    private static final String[] CITIES = {"Paris", "Lima", "Oslo", "Cairo", "Tokyo", "Quito", "Perth", "Denver",
        "Madrid", "Nairobi", "Boston", "Delhi", "Vienna", "Dublin", "Seoul", "Havana"};
    private static final String[] DAYS = {"Monday", "Tuesday", "Friday", "Sunday"};
    private static final String[] SHAPES = {"triangle", "square", "circle", "prime", "graph", "matrix", "vector",
        "polygon", "integer", "lattice", "group", "ring", "field", "sphere", "cube", "torus"};
    private static final String[] CLAIMS = {"is finite", "has an inverse", "is unique", "is bounded"};

    @TempDir
    static Path store;
    @TempDir
    static Path tuning;
    static ModelRegistry registry;
    static FerryServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static String weather(int i) {
        return "Will it rain in " + CITIES[i % CITIES.length] + " on " + DAYS[(i / CITIES.length) % DAYS.length]
                + "? Weather forecast, cloudy or sunny, wind and temperature";
    }

    static String proof(int i) {
        return "Prove that every " + SHAPES[i % SHAPES.length] + " " + CLAIMS[(i / SHAPES.length) % CLAIMS.length]
                + ". Lemma, theorem and proof by induction";
    }

    @BeforeAll
    static void start() throws Exception {
        Path largeFolder = store.resolve("large");
        ServingFixture.createTinyModel(largeFolder, 11);
        Files.writeString(largeFolder.resolve("ferry.properties"), "tier = large\n");
        Files.writeString(store.resolve("routes.properties"), """
                route.auto.candidates = small, large
                route.auto.policy = complexity
                route.auto.complexity.prompt-tokens = 4000
                route.auto.shadow-rate = 1
                route.auto.shadow-tokens = %d
                route.auto.shadow-queue = 256
                route.auto.min-shadows = 60
                route.auto.target-agreement = 0.9
                """.formatted(TOKENS));
        LoadOptions load = LoadOptions.defaults().withTuning(new TuningOptions(tuning, false));
        registry = new ModelRegistry(store, new ModelLoader(load, s -> EngineConfig.DEFAULTS));
        registry.loadAll(); // the large model alone, to see which tokens the proofs' answers write
        Engine large = registry.find("large").instance().engine();
        Set<Integer> weatherOnly = new HashSet<>();
        Set<Integer> proofTokens = new HashSet<>();
        try (ModelTokenizer tokenizer = ModelTokenizer.open(largeFolder.resolve(ModelTokenizer.FILE))) {
            for (int i = 0; i < 64; i++) {
                weatherOnly.addAll(ids(tokenizer.encode(weather(i), true)));
                int[] prompt = tokenizer.encode(proof(i), true);
                proofTokens.addAll(ids(prompt));
                proofTokens.addAll(ids(large.submit(GenerateRequest.of(prompt, TOKENS, SamplingParams.greedy())
                        .withIgnoreEos(true)).await().tokenIds()));
            }
        }
        weatherOnly.removeAll(proofTokens);
        DerivedModels.copy(largeFolder, store.resolve("small"));
        DerivedModels.replaceEmbeddingRows(store.resolve("small"), weatherOnly, 3);
        Files.writeString(store.resolve("small/ferry.properties"), "tier = small\n");
        registry.load("small");
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DISABLED,
                TenantQuotas.unlimited(), Observability.DEFAULTS));
    }

    private static List<Integer> ids(int[] ids) {
        List<Integer> out = new ArrayList<>();
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theLearnedRouterServesTheAgreeingFamilySmallAndTheOtherLarge() throws Exception {
        Routing routing = server.context().inference().routing();
        for (int i = 0; i < 40; i++) { // warm-up: everything small (the heuristic's cut is 4000 tokens), all shadowed
            assertEquals("small", complete(weather(i)));
            assertEquals("small", complete(proof(i)));
        }
        waitFor(() -> routing.shadows().scoredCounts().getOrDefault("auto", 0L) == 80);
        double weatherShadows = 0;
        double proofShadows = 0;
        for (ShadowResult r : routing.shadows().store().results("auto")) {
            if (r.input().text().contains("Weather")) {
                weatherShadows += r.agreement() / 40;
            } else {
                proofShadows += r.agreement() / 40;
            }
        }
        assertEquals(1.0, proofShadows, 0.02, "proofs run as on the large model");
        assertTrue(weatherShadows < 0.6, "weather runs on perturbed embeddings: " + weatherShadows);
        routing.refit();

        int weatherSmall = 0;
        int proofSmall = 0;
        List<String> smallServed = new ArrayList<>();
        for (int i = 40; i < 60; i++) { // prompts the router has not seen
            if (complete(weather(i)).equals("small")) {
                weatherSmall++;
                smallServed.add(weather(i));
            }
            if (complete(proof(i)).equals("small")) {
                proofSmall++;
                smallServed.add(proof(i));
            }
        }
        assertTrue(proofSmall >= 18, "proofs agree: at least 18 of 20 go small, got " + proofSmall);
        assertTrue(weatherSmall <= 2, "weather disagrees: at most 2 of 20 go small, got " + weatherSmall);

        JsonNode report = routeReport();
        assertEquals("learned", report.get("scorer").asText(), report.toString());
        double direct = 0;
        Engine small = registry.find("small").instance().engine();
        Engine large = registry.find("large").instance().engine();
        for (String text : smallServed) {
            int[] prompt = server.context().inference().tokenization().tokenize("small", new Prompt.Text(text), null,
                    false).ids();
            direct += DirectAgreement.of(small, large, prompt, TOKENS) / smallServed.size();
        }
        assertEquals(direct, report.get("estimated_agreement").asDouble(), 0.1,
                "reported agreement of small-served traffic against a direct comparison: " + report);
        assertTrue(report.get("estimated_agreement").asDouble() >= 0.9, report.toString());
    }

    /** A greedy text completion on route auto; it must succeed. Returns the model that served it. */
    private String complete(String prompt) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "auto", "prompt", prompt, "max_tokens", TOKENS,
                "temperature", 0, "ignore_eos", true));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                        + "/v1/completions")).timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("model").asText();
    }

    private JsonNode routeReport() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                + "/v1/routes")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("data").get(0);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for shadows");
            Thread.sleep(10);
        }
    }
}
