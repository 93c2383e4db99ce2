package dev.ferry.server.embed;

import dev.ferry.server.api.CacheOutcome;
import java.util.List;

/**
 * The answer to an embeddings request.
 *
 * @param model the model that served it (after alias resolution)
 * @param vectors one per input, in order
 * @param promptTokens the inputs' tokens as embedded (after truncation), cached ones included
 * @param cachedInputs how many inputs came from the cache
 * @param cache MISS when the encoder ran for an input, else the deepest level that answered one (L1
 *     when all came from the in-process level); OFF without an embedding cache
 */
public record EmbeddingResult(String model, List<float[]> vectors, int promptTokens, int cachedInputs,
                              CacheOutcome cache) {}
