package dev.ferry.bench.load;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The stream of requests a run sends: prompt and output lengths drawn from their distributions,
 * and prompts whose first {@code sharedPrefix} fraction is the same token sequence in every
 * request (what the server's prefix cache can reuse), the rest random. Prompts are random token
 * ids in {@code [1, maxTokenId)}: what they say does not matter to a random or real model's cost.
 * Used by the run's one driver thread.
 */
final class Workload {
    private final LengthDistribution promptTokens;
    private final LengthDistribution outputTokens;
    private final double sharedPrefix;
    private final int maxTokenId;
    private final SplittableRandom random;
    private final int[] prefix;

    Workload(LengthDistribution promptTokens, LengthDistribution outputTokens, double sharedPrefix, int maxTokenId,
             long seed) {
        if (sharedPrefix < 0 || sharedPrefix > 1) {
            throw new IllegalArgumentException("--shared-prefix: expected a fraction in [0, 1], got " + sharedPrefix);
        }
        if (maxTokenId < 2) {
            throw new IllegalArgumentException("--max-token-id: expected at least 2, got " + maxTokenId);
        }
        this.promptTokens = promptTokens;
        this.outputTokens = outputTokens;
        this.sharedPrefix = sharedPrefix;
        this.maxTokenId = maxTokenId;
        this.random = new SplittableRandom(seed);
        this.prefix = new int[(int) Math.ceil(sharedPrefix * promptTokens.max())];
        Arrays.setAll(prefix, i -> nextId());
    }

    BenchRequest next() {
        int length = promptTokens.sample(random);
        int shared = Math.min(prefix.length, (int) Math.round(sharedPrefix * length));
        int[] prompt = Arrays.copyOf(prefix, length);
        for (int i = shared; i < length; i++) {
            prompt[i] = nextId();
        }
        return new BenchRequest(prompt, outputTokens.sample(random));
    }

    private int nextId() {
        return 1 + random.nextInt(maxTokenId - 1);
    }
}
