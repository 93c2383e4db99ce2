package dev.ferry.engine.api;

/** The caller's side of a submitted request. */
public interface RequestHandle {
    /** Ends the request with CANCELLED within one engine iteration (its KV blocks are freed); idempotent. */
    void cancel();

    /** Whether the terminal event has been delivered. */
    boolean isDone();
}
