package dev.ferry.server.api;

import dev.ferry.engine.api.RequestHandle;
import java.util.concurrent.CompletionStage;

/**
 * A request the engine took: cancel it through {@code handle}.
 *
 * @param model the model that serves it (after alias and route resolution)
 * @param route the route the request named; empty when it named a model or an alias
 * @param routeReason why {@code model} serves it
 * @param logprobs whether the client asked for log-probabilities
 * @param cache whether the answer comes from the response cache: complete at once, unless the
 *     in-process cache missed and Redis has yet to answer
 */
public record Admitted(String requestId, String model, String route, String routeReason, RequestHandle handle,
                       int promptTokens, boolean logprobs, CompletionStage<CacheOutcome> cache) {}
