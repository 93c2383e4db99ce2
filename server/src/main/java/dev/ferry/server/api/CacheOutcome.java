package dev.ferry.server.api;

/** What the response cache made of a request: HTTP says it in a header, before the first token. */
public enum CacheOutcome {
    /** The server runs without a response cache. */
    OFF,
    /** The stored answer is replayed: nothing runs on the engine. */
    HIT,
    /** The engine computes the answer: not stored yet, or not cacheable (sampled without a seed). */
    MISS
}
