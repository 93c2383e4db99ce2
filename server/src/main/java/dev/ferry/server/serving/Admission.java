package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;

/**
 * The last word on starting a validated request on a model, just before its engine: where
 * admission control plugs in. A refusal is an {@link ApiException}; RESOURCE_EXHAUSTED (the model
 * cannot take the request in time) or UNAVAILABLE send a routed request to its next candidate.
 */
@FunctionalInterface
public interface Admission {
    /** Admits everything: the engine's bounded queue is the only limit. */
    Admission OPEN = (model, request) -> { };

    void admit(ServedModel model, GenerateRequest request);
}
