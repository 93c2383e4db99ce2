package dev.ferry.server.net;

import java.time.Duration;
import java.util.stream.IntStream;

/**
 * What the generation warm-ups send to a model, over HTTP and gRPC alike: short sampled requests at
 * batch priority under a tenant of their own, a few at once, until the JIT has gone quiet.
 */
public final class WarmUpRequests {
    /** The tenant the warm-up's requests are counted under, unless the API key used is bound to one. */
    public static final String TENANT = "ferry-warm-up";
    public static final int OUTPUT_TOKENS = 16;
    private static final int PROMPT_TOKENS = 32;
    /** Requests in flight at once at most, so that decode steps run at batch sizes above one. */
    private static final int MAX_IN_FLIGHT = 4;

    private WarmUpRequests() {}

    /** A prompt of token ids every vocabulary has. */
    public static int[] promptIds() {
        return IntStream.range(0, PROMPT_TOKENS).map(i -> 1 + i * 7 % 64).toArray();
    }

    /** Requests in flight at once for a model of {@code maxNumSeqs}: half of its batch at most. */
    public static int inFlight(int maxNumSeqs) {
        return Math.max(1, Math.min(MAX_IN_FLIGHT, maxNumSeqs / 2));
    }

    /** Each of {@code inFlight} slots' first two requests, then until the JIT is quiet or {@code limit} has passed. */
    public static UntilJitQuiet more(int inFlight, Duration limit) {
        return new UntilJitQuiet(2 * inFlight, limit);
    }
}
