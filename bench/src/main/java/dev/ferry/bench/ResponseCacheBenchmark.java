package dev.ferry.bench;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.cache.ResponseCache;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * What the response cache saves: the latency of a greedy answer of {@code --tokens} tokens on the
 * small preset, measured at the serving front (prepare to finish), when the engine generates it,
 * when the in-process cache replays it, and when another instance (a fresh cache sharing the
 * Redis) gets it from Redis. It starts its own redis-server.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.ResponseCacheBenchmark [--tokens 64] [--generations 20] [--l1-hits 2000]
 *     [--instances 50] [--out results.json]
 * </pre>
 */
public final class ResponseCacheBenchmark {
    private static final int PROMPT_TOKENS = 32;
    private static final SamplingOverrides GREEDY = new SamplingOverrides(0.0, null, null, null, null, null, null,
            null, null);

    private final int tokens;
    private final int generations;
    private final int l1Hits;
    private final int instances;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private ResponseCacheBenchmark(Map<String, String> args) {
        tokens = Integer.parseInt(args.getOrDefault("tokens", "64"));
        generations = Integer.parseInt(args.getOrDefault("generations", "20"));
        l1Hits = Integer.parseInt(args.getOrDefault("l1-hits", "2000"));
        instances = Integer.parseInt(args.getOrDefault("instances", "50"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        new ResponseCacheBenchmark(args).run(args.get("out"));
    }

    private void run(String out) throws Exception {
        Path model = ForwardBenchmark.model("llama-small", "small").toAbsolutePath();
        Path store = Files.createTempDirectory("ferry-bench-store");
        Files.createSymbolicLink(store.resolve("model"), model);
        try (BenchRedis redis = BenchRedis.start();
             ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                     s -> EngineConfig.DEFAULTS));
             ResponseCache cache = ResponseCache.open(ResponseCacheConfig.DEFAULTS.withRedis(redis.url()))) {
            registry.loadAll();
            Inference first = new Inference(registry, ServingLimits.DEFAULTS, cache);
            awaitRedis(cache);
            results.put("tokens", tokens);
            results.put("prompt_tokens", PROMPT_TOKENS);
            run(first, -1, false); // warm-up: JIT, KV pages, the Redis connection
            run(first, -1, true);

            Histogram generate = new Histogram(3);
            for (int i = 0; i < generations; i++) {
                generate.recordValue(run(first, i, false));
            }
            Histogram l1 = new Histogram(3);
            for (int i = 0; i < l1Hits; i++) {
                l1.recordValue(run(first, i % generations, true));
            }
            Histogram l2 = new Histogram(3);
            for (int k = 0; k < instances; k++) {
                // a fresh cache has nothing in process: each of its lookups is answered by Redis
                try (ResponseCache other = ResponseCache.open(ResponseCacheConfig.DEFAULTS.withRedis(redis.url()))) {
                    Inference second = new Inference(registry, ServingLimits.DEFAULTS, other);
                    awaitRedis(other);
                    for (int i = 0; i < generations; i++) {
                        l2.recordValue(run(second, i, true));
                    }
                }
            }
            report("generate", generate);
            report("l1_hit", l1);
            report("redis_hit", l2);
            results.put("l1_hit_speedup_p50", Math.round(generate.getValueAtPercentile(50)
                    / (double) l1.getValueAtPercentile(50)));
            results.put("redis_hit_speedup_p50", Math.round(generate.getValueAtPercentile(50)
                    / (double) l2.getValueAtPercentile(50)));
        }
        Report.print(results, out);
    }

    /** Microseconds from prepare to finish of prompt {@code i}; fails unless it was a hit exactly when expected. */
    private long run(Inference inference, int i, boolean expectHit) throws Exception {
        InferenceRequest request = new InferenceRequest("model", new Prompt.TokenIds(prompt(i)), tokens, GREEDY, null,
                null, true, null, null, null, 0);
        long t0 = System.nanoTime();
        TokenStream stream = new TokenStream();
        inference.prepare(request).start(stream);
        TokenStream.Result r = stream.await();
        long us = (System.nanoTime() - t0) / 1000;
        if (r.finish().usage().cached() != expectHit || r.tokenIds().length != tokens) {
            throw new IllegalStateException("prompt " + i + ": cached " + r.finish().usage().cached() + ", expected "
                    + expectHit + "; " + r.tokenIds().length + " tokens");
        }
        return us;
    }

    private static int[] prompt(int i) {
        SplittableRandom random = new SplittableRandom(1000 + i);
        return random.ints(PROMPT_TOKENS, 1, 32000).toArray();
    }

    private void report(String name, Histogram h) {
        results.put(name + "_count", h.getTotalCount());
        results.put(name + "_p50_us", h.getValueAtPercentile(50));
        results.put(name + "_p99_us", h.getValueAtPercentile(99));
    }

    private static void awaitRedis(ResponseCache cache) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!cache.stats().redisUp()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the response cache did not connect to Redis within 5 s");
            }
            Thread.sleep(5);
        }
    }
}
