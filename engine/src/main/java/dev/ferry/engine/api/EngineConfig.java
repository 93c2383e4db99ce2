package dev.ferry.engine.api;

/**
 * Batching limits of one engine loop.
 *
 * @param maxNumSeqs sequences in one step at most
 * @param maxNumBatchedTokens tokens (decodes plus prefill chunks) in one step at most
 * @param maxQueuedRequests requests waiting in the submit queue at most; beyond it submit fails fast
 * @param prefixCaching reuse cached KV blocks of shared prompt prefixes
 */
public record EngineConfig(int maxNumSeqs, int maxNumBatchedTokens, int maxQueuedRequests, boolean prefixCaching) {

    public static final EngineConfig DEFAULTS = new EngineConfig(256, 2048, 4096, true);

    public EngineConfig {
        if (maxNumSeqs <= 0 || maxNumBatchedTokens <= 0 || maxQueuedRequests <= 0) {
            throw new IllegalArgumentException("max-num-seqs, max-num-batched-tokens and the queue size must be positive");
        }
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, maxQueuedRequests, on);
    }

    public EngineConfig withMaxNumSeqs(int n) {
        return new EngineConfig(n, maxNumBatchedTokens, maxQueuedRequests, prefixCaching);
    }

    public EngineConfig withMaxQueuedRequests(int n) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, n, prefixCaching);
    }

    public EngineConfig withMaxNumBatchedTokens(int n) {
        return new EngineConfig(maxNumSeqs, n, maxQueuedRequests, prefixCaching);
    }
}
