package dev.ferry.engine.api;

import java.util.Arrays;
import java.util.List;

/**
 * What a caller that knows its requests up front ({@code ferry generate}) can hold in the KV cache
 * at once: the tokens (prompt plus {@code max_tokens}) of each sequence that may be in flight
 * together. The default KV budget is cut to it, so a one-shot run does not allocate and zero a pool
 * sized for a server (1 GiB on a CPU took about a second of a 6 s start).
 */
public final class KvDemand {
    private final int[] sequenceTokens;

    private KvDemand(int[] sequenceTokens) {
        this.sequenceTokens = sequenceTokens;
    }

    /**
     * What {@code requests} hold when at most {@code inFlight} of them run at once, whichever they
     * are: the prompts and every token they may generate of the {@code inFlight} longest.
     */
    public static KvDemand of(List<GenerateRequest> requests, int inFlight) {
        if (inFlight <= 0) {
            throw new IllegalArgumentException("sequences in flight must be positive, got " + inFlight);
        }
        int[] sorted = requests.stream()
                .mapToInt(r -> (int) Math.min(Integer.MAX_VALUE, (long) r.promptIds().length + r.maxTokens()))
                .sorted().toArray();
        return new KvDemand(Arrays.copyOfRange(sorted, Math.max(0, sorted.length - inFlight), sorted.length));
    }

    /**
     * Token slots, in whole blocks, that hold these sequences (each cut to {@code maxModelLen}) and
     * never fewer than one sequence of {@code maxModelLen}: the pool must always fit the longest
     * request a model accepts.
     */
    public long tokenSlots(int blockSize, int maxModelLen) {
        long blocks = 0;
        for (int t : sequenceTokens) {
            blocks += blocksFor(Math.min(t, maxModelLen), blockSize);
        }
        return Math.max(blocks, blocksFor(maxModelLen, blockSize)) * blockSize;
    }

    private static long blocksFor(long tokens, int blockSize) {
        return (tokens + blockSize - 1) / blockSize;
    }

    @Override
    public String toString() {
        return "KvDemand" + Arrays.toString(sequenceTokens);
    }
}
