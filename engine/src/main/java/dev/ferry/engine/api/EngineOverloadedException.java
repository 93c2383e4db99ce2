package dev.ferry.engine.api;

/** The engine's request queue is full: the caller should shed load (HTTP 429, gRPC RESOURCE_EXHAUSTED). */
public final class EngineOverloadedException extends RuntimeException {
    public EngineOverloadedException(String message) {
        super(message);
    }
}
