package dev.ferry.server.api;

/**
 * Hears how each request ended, once: the server's accounting (metrics, the request log). Called
 * on the engine's output thread and on request threads, so it must be quick.
 */
@FunctionalInterface
public interface RequestListener {
    RequestListener NONE = outcome -> { };

    void ended(RequestOutcome outcome);
}
