package dev.ferry.server.api;

import java.util.Locale;

/**
 * What the response cache made of a request, and which level answered: HTTP says it in the
 * {@code x-ferry-cache} header, gRPC in the same header of its metadata, before the first token.
 */
public enum CacheOutcome {
    /** The server runs without a response cache. */
    OFF,
    /** Replayed from the in-process level: nothing runs on the engine. */
    L1,
    /** Replayed from Redis. */
    L2,
    /** Replayed from the results database. */
    L3,
    /** The engine computes the answer: not stored yet, or not cacheable (sampled without a seed). */
    MISS;

    public boolean isHit() {
        return this == L1 || this == L2 || this == L3;
    }

    /** The header's value: {@code l1}, {@code l2}, {@code l3} or {@code miss}. */
    public String header() {
        return name().toLowerCase(Locale.ROOT);
    }
}
