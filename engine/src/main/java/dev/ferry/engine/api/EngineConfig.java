package dev.ferry.engine.api;

/**
 * Batching limits of one engine loop.
 *
 * @param maxNumSeqs sequences in one step at most
 * @param maxNumBatchedTokens tokens (decodes plus prefill chunks) in one step at most
 * @param maxQueuedRequests requests waiting in the submit queue at most; beyond it submit fails fast
 * @param prefixCaching reuse cached KV blocks of shared prompt prefixes
 * @param computeNice added to the nice value of the loop thread and its compute workers (Linux),
 *     so that threads sharing the CPUs with them (a server's front end) run first; 0 for none
 * @param warmUp run steps of the shapes the first requests will hit before {@code Engine.start}
 *     returns (a second or two on a CPU; the command line turns it on, {@code --no-warmup} off)
 */
public record EngineConfig(int maxNumSeqs, int maxNumBatchedTokens, int maxQueuedRequests, boolean prefixCaching,
                           int computeNice, boolean warmUp) {

    public static final EngineConfig DEFAULTS = new EngineConfig(256, 2048, 4096, true, 0, false);

    public EngineConfig {
        if (maxNumSeqs <= 0 || maxNumBatchedTokens <= 0 || maxQueuedRequests <= 0) {
            throw new IllegalArgumentException("max-num-seqs, max-num-batched-tokens and the queue size must be positive");
        }
        if (computeNice < 0 || computeNice > 19) {
            throw new IllegalArgumentException("engine-nice must be between 0 and 19, not " + computeNice);
        }
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, maxQueuedRequests, on, computeNice, warmUp);
    }

    public EngineConfig withMaxNumSeqs(int n) {
        return new EngineConfig(n, maxNumBatchedTokens, maxQueuedRequests, prefixCaching, computeNice, warmUp);
    }

    public EngineConfig withMaxQueuedRequests(int n) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, n, prefixCaching, computeNice, warmUp);
    }

    public EngineConfig withMaxNumBatchedTokens(int n) {
        return new EngineConfig(maxNumSeqs, n, maxQueuedRequests, prefixCaching, computeNice, warmUp);
    }

    public EngineConfig withWarmUp(boolean on) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, maxQueuedRequests, prefixCaching, computeNice, on);
    }

    public EngineConfig withComputeNice(int n) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, maxQueuedRequests, prefixCaching, n, warmUp);
    }
}
