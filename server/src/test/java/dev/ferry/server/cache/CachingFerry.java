package dev.ferry.server.cache;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** One Ferry instance for the cache tests: a model store, its registry and a response cache. */
final class CachingFerry implements AutoCloseable {
    final ModelRegistry registry;
    final ResponseCache cache;
    final Inference inference;

    /** Redis is connected in the background: see {@link #awaitRedis()}. */
    CachingFerry(Path store, String redisUrl) throws IOException {
        cache = ResponseCache.open(ResponseCacheConfig.DEFAULTS.withRedis(redisUrl));
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), serving -> EngineConfig.DEFAULTS));
        inference = new Inference(registry, ServingLimits.DEFAULTS, cache);
        registry.loadAll();
    }

    /** Waits until the cache reaches Redis, so that the next request consults it. */
    CachingFerry awaitRedis() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!cache.stats().redisUp()) {
            if (System.nanoTime() > end) {
                close();
                throw new AssertionError("the response cache did not connect to Redis within 5 s");
            }
            Thread.sleep(10);
        }
        return this;
    }

    static InferenceRequest request(int[] prompt, int maxTokens, SamplingOverrides sampling, List<String> stop) {
        return new InferenceRequest(ServingFixture.MODEL, new Prompt.TokenIds(prompt), maxTokens, sampling, stop, null,
                true, null, null, null, 0);
    }

    static InferenceRequest greedy(int[] prompt, int maxTokens) {
        return request(prompt, maxTokens, temperature(0.0, null), null);
    }

    static SamplingOverrides temperature(double t, Long seed) {
        return new SamplingOverrides(t, null, null, null, null, null, null, seed, null);
    }

    TokenStream.Result run(InferenceRequest request) throws Exception {
        TokenStream stream = new TokenStream();
        inference.prepare(request).start(stream);
        return stream.await(Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        registry.close();
        cache.close();
    }
}
