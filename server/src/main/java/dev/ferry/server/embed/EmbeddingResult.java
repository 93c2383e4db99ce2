package dev.ferry.server.embed;

import java.util.List;

/**
 * The answer to an embeddings request.
 *
 * @param model the model that served it (after alias resolution)
 * @param vectors one per input, in order
 * @param promptTokens the inputs' tokens as embedded (after truncation), cached ones included
 * @param cachedInputs how many inputs came from the cache
 */
public record EmbeddingResult(String model, List<float[]> vectors, int promptTokens, int cachedInputs) {}
