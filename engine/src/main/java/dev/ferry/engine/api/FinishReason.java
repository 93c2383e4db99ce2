package dev.ferry.engine.api;

import java.util.Locale;

/** Why a request ended. Every submitted request ends exactly once, with one of these. */
public enum FinishReason {
    /** An eos token, a stop token id or a stop string. */
    STOP,
    /** max_tokens reached, or the model's context is full. */
    LENGTH,
    /** The client cancelled it. */
    CANCELLED,
    /** Its deadline passed before it finished. */
    DEADLINE,
    /** The engine could not run it; the finish carries the message. */
    ERROR,
    /**
     * It could not be served here and now (the engine shut down before it finished, or it was
     * refused after a response-cache lookup); another attempt, here later or on another instance,
     * may succeed.
     */
    UNAVAILABLE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
