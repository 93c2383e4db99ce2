package dev.ferry.bench;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.routing.LearnedScorer;
import dev.ferry.server.routing.Shadows;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What shadow evaluation costs interactive traffic: the p95 time to first token of requests a
 * complexity route serves on its small tier, at a fixed open-loop (Poisson) load, with shadow-rate 0
 * and with {@code --shadow-rate}, in alternating phases of one run on one pair of models (a 2-layer
 * small tier, an 8-layer, 4x wider large tier with the same vocabulary), measured at the serving
 * front from prepare to the first token. Between phases it waits for every request and shadow to end.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.ShadowBenchmark [--rate 10] [--requests 200] [--rounds 3] [--shadow-rate 0.2]
 *     [--tokens 32] [--out results.json]
 * </pre>
 */
public final class ShadowBenchmark {
    private static final int PROMPT_TOKENS = 32;
    private static final SamplingOverrides GREEDY = new SamplingOverrides(0.0, null, null, null, null, null, null,
            null, null);

    private final double rate;
    private final int requests;
    private final int rounds;
    private final double shadowRate;
    private final int tokens;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private int promptSeed;
    /** Requests sent on the shadowed route so far: the sampler picks floor(n * rate) of them. */
    private long shadowedSent;

    private ShadowBenchmark(Map<String, String> args) {
        rate = Double.parseDouble(args.getOrDefault("rate", "10"));
        requests = Integer.parseInt(args.getOrDefault("requests", "200"));
        rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
        shadowRate = Double.parseDouble(args.getOrDefault("shadow-rate", "0.2"));
        tokens = Integer.parseInt(args.getOrDefault("tokens", "32"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        new ShadowBenchmark(args).run(args.get("out"));
    }

    private void run(String out) throws Exception {
        Path store = store();
        results.put("cpu", Host.cpuModel());
        results.put("load_average_before", Host.loadAverage());
        results.put("rate_per_s", rate);
        results.put("requests_per_phase", requests);
        results.put("rounds", rounds);
        results.put("shadow_rate", shadowRate);
        results.put("prompt_tokens", PROMPT_TOKENS);
        results.put("max_tokens", tokens);
        try (ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS))) {
            registry.loadAll();
            Inference inference = new Inference(registry, ServingLimits.DEFAULTS);
            Shadows shadows = inference.routing().shadows();
            phase(inference, "plain", new ArrayList<>()); // warm-up: JIT, KV pages, both engines' step shapes
            phase(inference, "shadowed", new ArrayList<>());
            awaitShadows(shadows);
            long warmShadows = settled(shadows);
            List<Long> plain = new ArrayList<>();
            List<Long> shadowed = new ArrayList<>();
            List<Long> plainP95 = new ArrayList<>();
            List<Long> shadowedP95 = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                plainP95.add(phase(inference, "plain", plain));
                shadowedP95.add(phase(inference, "shadowed", shadowed));
                awaitShadows(shadows);
            }
            long[] plainTtft = plain.stream().mapToLong(Long::longValue).toArray();
            long[] shadowedTtft = shadowed.stream().mapToLong(Long::longValue).toArray();
            report("plain", plainTtft, plainP95);
            report("shadowed", shadowedTtft, shadowedP95);
            results.put("p95_ttft_overhead_pct", percent(PercentileRatio.percentile(shadowedTtft, 95)
                    / (double) PercentileRatio.percentile(plainTtft, 95)));
            double[] interval = PercentileRatio.interval(plainTtft, shadowedTtft, 95, 0.95, 17);
            results.put("p95_ttft_overhead_pct_95ci", List.of(percent(interval[0]), percent(interval[1])));
            // each round's pair ran back to back, so its ratio sees the same background load; their median
            // is steadier than the pooled figure on a machine whose load moves between rounds
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = shadowedP95.get(r) / (double) plainP95.get(r);
            }
            results.put("p95_ttft_overhead_pct_median_of_rounds", percent(ForwardBenchmark.median(ratios)));
            results.put("shadows_scored", shadows.scoredCounts().getOrDefault("shadowed", 0L));
            results.put("shadows_shed", settled(shadows) - shadows.scoredCounts().getOrDefault("shadowed", 0L));
            results.put("shadows_in_measured_phases", settled(shadows) - warmShadows);
            results.put("shadow_agreement_mean", Math.round(1000 * shadows.store().byRoute().get("shadowed")
                    .agreement()) / 1000.0);
        }
        results.put("load_average_after", Host.loadAverage());
        Report.print(results, out);
    }

    /** A store of the two tiers and two routes over them, alike but for the shadow rate; every request is simple. */
    private Path store() throws Exception {
        Path store = Files.createTempDirectory("ferry-bench-shadow");
        ModelSpec tiny = ModelPreset.fromName("tiny").spec(ModelArch.LLAMA);
        ModelCreator creator = new ModelCreator(new PrintStream(OutputStream.nullOutputStream()));
        creator.create(tiny.withSeed(1), store.resolve("small"));
        creator.create(new ModelSpec(tiny.arch(), 4 * tiny.hidden(), 8, tiny.heads(), tiny.kvHeads(), 4 * tiny.headDim(),
                4 * tiny.intermediate(), tiny.vocab(), tiny.maxPosition(), tiny.ropeTheta(), tiny.llama3RopeScaling(),
                tiny.normEps(), tiny.tieWordEmbeddings(), tiny.std(), tiny.normNoise(), tiny.dtype(), 2, tiny.maxMerges()),
                store.resolve("large"));
        Files.writeString(store.resolve("small/ferry.properties"), "tier = small\n");
        Files.writeString(store.resolve("large/ferry.properties"), "tier = large\n");
        StringBuilder routes = new StringBuilder();
        for (String[] r : new String[][] {{"plain", "0"}, {"shadowed", Double.toString(shadowRate)}}) {
            String p = "route." + r[0] + ".";
            routes.append(p).append("candidates = small, large\n").append(p).append("policy = complexity\n")
                    .append(p).append("complexity.prompt-tokens = 100000\n").append(p).append("complexity.max-tokens = 100000\n")
                    .append(p).append("shadow-rate = ").append(r[1]).append('\n')
                    .append(p).append("shadow-tokens = ").append(tokens).append('\n')
                    // the tiers are unrelated random models, so a learned scorer would send everything large
                    // and stop the shadows; the length heuristic keeps every request small for all rounds
                    .append(p).append("min-shadows = ").append(LearnedScorer.WINDOW).append('\n');
        }
        Files.writeString(store.resolve("routes.properties"), routes);
        return store;
    }

    /**
     * {@link #requests} requests on {@code route} at Poisson arrivals of {@link #rate} a second; records
     * each one's time to first token (microseconds) in {@code ttft} and returns the phase's p95.
     */
    private long phase(Inference inference, String route, List<Long> ttft) throws Exception {
        int first = promptSeed;
        promptSeed += requests;
        shadowedSent += route.equals("shadowed") ? requests : 0;
        long[] own = OpenLoopPhase.run(inference, requests, rate, 7 + first, i -> new InferenceRequest(route,
                new Prompt.TokenIds(prompt(first + i)), tokens, GREEDY, null, null, true, null, null, null, 0)).served()
                .stream().mapToLong(OpenLoopPhase.Served::ttftMicros).toArray();
        for (long t : own) {
            ttft.add(t);
        }
        return PercentileRatio.percentile(own, 95);
    }

    /** Waits until every picked shadow was scored or shed, so the next phase starts quiet. */
    private void awaitShadows(Shadows shadows) throws InterruptedException {
        long picked = (long) Math.floor(shadowedSent * shadowRate);
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (settled(shadows) < picked) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("shadows did not settle: " + settled(shadows) + " of " + picked);
            }
            Thread.sleep(20);
        }
    }

    private static long settled(Shadows shadows) {
        long n = shadows.scoredCounts().getOrDefault("shadowed", 0L);
        for (Map.Entry<Shadows.ShedKey, Long> e : shadows.shedCounts().entrySet()) {
            if (e.getKey().route().equals("shadowed")) {
                n += e.getValue();
            }
        }
        return n;
    }

    private static int[] prompt(int i) {
        SplittableRandom random = new SplittableRandom(1000 + i);
        return random.ints(PROMPT_TOKENS, 1, 500).toArray();
    }

    /** A ratio as the percent it adds, to one decimal. */
    private static double percent(double ratio) {
        return Math.round(1000 * (ratio - 1)) / 10.0;
    }

    private void report(String arm, long[] ttft, List<Long> phaseP95) {
        results.put(arm + "_count", ttft.length);
        results.put(arm + "_ttft_p50_us", PercentileRatio.percentile(ttft, 50));
        results.put(arm + "_ttft_p95_us", PercentileRatio.percentile(ttft, 95));
        results.put(arm + "_ttft_p99_us", PercentileRatio.percentile(ttft, 99));
        results.put(arm + "_ttft_p95_us_per_round", phaseP95);
    }
}
