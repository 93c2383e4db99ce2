package dev.ferry.server.api;

import java.util.List;

/**
 * An embeddings request as both transports hand it to {@code Embeddings}.
 *
 * @param model a model's name or alias; empty or null for the server's only model
 * @param dimensions the vector size wanted; null for the model's own
 * @param truncate cut inputs longer than the model takes to its maximum instead of refusing them
 */
public record EmbeddingRequest(String model, List<EmbeddingInput> inputs, Integer dimensions, boolean truncate) {
    public EmbeddingRequest {
        inputs = List.copyOf(inputs);
    }
}
