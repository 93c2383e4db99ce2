package dev.ferry.bench;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.ScoreRequest;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.routing.RouteReport;
import dev.ferry.server.routing.Routing;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.DerivedModels;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What the learned router buys at a fixed load, one run: a mix of two prompt families half and half
 * (weather questions, proofs) sent at Poisson arrivals to the small tier always, the large tier always,
 * and the complexity route whose learned scorer was trained on shadows in a warm-up. The tiers agree
 * by construction ({@link DerivedModels}): the large one is the small one deepened to four times the
 * layers (the extra layers add nothing: the same answers at about four times the cost), with the input
 * embeddings of the weather prompts' own tokens replaced, so on proofs the two agree and on weather
 * they do not. Per arm: the share served small, the agreement of small-served answers with the large
 * model (each scored on it, teacher-forced, after the phase), throughput and TTFT.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.RoutingBenchmark [--rate 6] [--requests 120] [--tokens 16] [--out results.json]
 * </pre>
 */
public final class RoutingBenchmark {
    private static final int LAYERS_SMALL = 2;
    private static final int LAYERS_LARGE = 8;
    private static final int WARM_UP = 160;
    private static final SamplingOverrides GREEDY = new SamplingOverrides(0.0, null, null, null, null, null, null,
            null, null);
    private static final String[] CITIES = {"Paris", "Lima", "Oslo", "Cairo", "Tokyo", "Quito", "Perth", "Denver",
        "Madrid", "Nairobi", "Boston", "Delhi", "Vienna", "Dublin", "Seoul", "Havana", "Rome", "Accra", "Hanoi", "Riga"};
    private static final String[] DAYS = {"Monday", "Tuesday", "Friday", "Sunday", "Saturday"};
    private static final String[] SHAPES = {"triangle", "square", "circle", "prime", "graph", "matrix", "vector",
        "polygon", "integer", "lattice", "group", "ring", "field", "sphere", "cube", "torus", "tree", "knot", "set",
        "sequence"};
    private static final String[] CLAIMS = {"is finite", "has an inverse", "is unique", "is bounded", "is closed"};

    private final double rate;
    private final int requests;
    private final int tokens;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private RoutingBenchmark(Map<String, String> args) {
        rate = Double.parseDouble(args.getOrDefault("rate", "6"));
        requests = Integer.parseInt(args.getOrDefault("requests", "120"));
        tokens = Integer.parseInt(args.getOrDefault("tokens", "16"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        new RoutingBenchmark(args).run(args.get("out"));
    }

    /** The i-th prompt of the mix: even indices weather questions, odd ones proofs, none repeated below 200. */
    static String prompt(int i) {
        int k = i / 2;
        return i % 2 == 0
                ? "Will it rain in " + CITIES[k % CITIES.length] + " on " + DAYS[(k / CITIES.length) % DAYS.length]
                        + "? Weather forecast, cloudy or sunny, wind and temperature"
                : "Prove that every " + SHAPES[k % SHAPES.length] + " " + CLAIMS[(k / SHAPES.length) % CLAIMS.length]
                        + ". Lemma, theorem and proof by induction";
    }

    private void run(String out) throws Exception {
        Path store = Files.createTempDirectory("ferry-bench-routing");
        results.put("cpu", Host.cpuModel());
        results.put("load_average_before", Host.loadAverage());
        results.put("rate_per_s", rate);
        results.put("requests_per_arm", requests);
        results.put("max_tokens", tokens);
        results.put("tiers", "small: tiny Llama, " + LAYERS_SMALL + " layers; large: the same deepened to " + LAYERS_LARGE
                + " layers (extra layers add nothing), weather tokens' embeddings replaced");
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(1), store.resolve("small"));
        Files.writeString(store.resolve("small/ferry.properties"), "tier = small\n");
        writeRoutes(store, 1.0);
        try (ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS))) {
            registry.loadAll(); // the small model alone: which tokens do the proofs' answers write?
            deriveLarge(store, registry.find("small").instance().engine());
            registry.load("large");
            Inference inference = new Inference(registry, ServingLimits.DEFAULTS);
            Routing routing = inference.routing();
            OpenLoopPhase.run(inference, WARM_UP, rate, 1, i -> request("auto", 1000 + i)); // every one shadowed
            awaitShadows(routing, WARM_UP);
            routing.refit();
            writeRoutes(store, 0.05);
            routing.reload();
            RouteReport report = routing.reports().get(0);
            results.put("warm_up_shadows", WARM_UP);
            results.put("learned_threshold", report.threshold());
            results.put("learned_estimated_agreement", report.estimatedAgreement());
            results.put("learned_fraction_small", report.fractionSmall());
            Engine large = registry.find("large").instance().engine();
            OpenLoopPhase.run(inference, 40, rate, 2, i -> request("small", 3000 + i)); // JIT and step shapes of each arm
            OpenLoopPhase.run(inference, 40, rate, 3, i -> request("large", 3000 + i));
            for (String arm : new String[] {"small", "large", "auto"}) {
                OpenLoopPhase.Result r = OpenLoopPhase.run(inference, requests, rate, 4, i -> request(arm, i));
                arm(arm.equals("auto") ? "routed" : "always_" + arm, r, large);
            }
        }
        results.put("load_average_after", Host.loadAverage());
        Report.print(results, out);
    }

    private InferenceRequest request(String model, int i) {
        return new InferenceRequest(model, new Prompt.Text(prompt(i)), tokens, GREEDY, null, null, true, null, null,
                null, 0);
    }

    private void writeRoutes(Path store, double shadowRate) throws Exception {
        Files.writeString(store.resolve("routes.properties"), """
                route.auto.candidates = small, large
                route.auto.policy = complexity
                route.auto.complexity.prompt-tokens = 100000
                route.auto.complexity.max-tokens = 100000
                route.auto.shadow-rate = %s
                route.auto.shadow-tokens = %d
                route.auto.shadow-queue = 512
                route.auto.min-shadows = 100
                route.auto.target-agreement = 0.9
                route.auto.small-cost = %s
                """.formatted(shadowRate, tokens, (double) LAYERS_SMALL / LAYERS_LARGE));
    }

    /** The large tier: the small one deepened, with the embeddings of tokens only weather prompts use replaced. */
    private void deriveLarge(Path store, Engine small) throws Exception {
        Set<Integer> weatherOnly = new HashSet<>();
        Set<Integer> proofTokens = new HashSet<>();
        try (ModelTokenizer tokenizer = ModelTokenizer.open(store.resolve("small").resolve(ModelTokenizer.FILE))) {
            for (int i = 0; i < 400; i++) {
                int[] ids = tokenizer.encode(prompt(i), true);
                if (i % 2 == 0) {
                    for (int id : ids) {
                        weatherOnly.add(id);
                    }
                    continue;
                }
                for (int id : ids) {
                    proofTokens.add(id);
                }
                for (int id : small.submit(GenerateRequest.of(ids, tokens, SamplingParams.greedy()).withIgnoreEos(true))
                        .await().tokenIds()) {
                    proofTokens.add(id);
                }
            }
        }
        weatherOnly.removeAll(proofTokens);
        results.put("replaced_embedding_rows", weatherOnly.size());
        DerivedModels.deepen(store.resolve("small"), store.resolve("large"), LAYERS_LARGE);
        DerivedModels.replaceEmbeddingRows(store.resolve("large"), weatherOnly, 3);
        Files.writeString(store.resolve("large/ferry.properties"), "tier = large\n");
    }

    private void arm(String name, OpenLoopPhase.Result r, Engine large) throws Exception {
        Histogram ttft = r.ttft();
        List<OpenLoopPhase.Served> small = r.served().stream().filter(s -> s.model().equals("small")).toList();
        double agreement = 0;
        for (OpenLoopPhase.Served s : small) {
            agreement += large.score(new ScoreRequest("bench", s.promptIds(), s.answer(), 0)).get(1, TimeUnit.MINUTES)
                    .agreement() / small.size();
        }
        double seconds = r.spanNanos() / 1e9;
        results.put(name + "_fraction_small", round((double) small.size() / r.served().size()));
        results.put(name + "_agreement_of_small_served", small.isEmpty() ? null : round(agreement));
        results.put(name + "_weather_small", small.stream().filter(s -> s.index() % 2 == 0).count());
        results.put(name + "_proofs_small", small.stream().filter(s -> s.index() % 2 == 1).count());
        results.put(name + "_requests_per_s", round(r.served().size() / seconds));
        results.put(name + "_tokens_per_s", round(r.answerTokens() / seconds));
        results.put(name + "_ttft_p50_ms", ttft.getValueAtPercentile(50) / 1000.0);
        results.put(name + "_ttft_p95_ms", ttft.getValueAtPercentile(95) / 1000.0);
    }

    private static void awaitShadows(Routing routing, long count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (routing.shadows().scoredCounts().getOrDefault("auto", 0L) + shed(routing) < count) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("warm-up shadows did not settle");
            }
            Thread.sleep(20);
        }
    }

    private static long shed(Routing routing) {
        return routing.shadows().shedCounts().entrySet().stream().filter(e -> e.getKey().route().equals("auto"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
