package dev.ferry.server.serving;

import dev.ferry.engine.api.RequestHandle;

/**
 * A request the engine took: cancel it through {@code handle}.
 *
 * @param model the model that serves it (after alias resolution)
 * @param logprobs whether the client asked for log-probabilities
 */
public record Admitted(String requestId, String model, RequestHandle handle, int promptTokens, boolean logprobs) {}
