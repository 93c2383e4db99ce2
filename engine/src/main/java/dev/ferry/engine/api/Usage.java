package dev.ferry.engine.api;

/**
 * Token counts of a finished request.
 *
 * @param cachedPromptTokens prompt tokens whose KV came from the prefix cache instead of being computed
 * @param cached the whole answer came from the response cache: nothing was computed
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens, boolean cached) {

    /** Usage of an answer the engine computed. */
    public Usage(int promptTokens, int cachedPromptTokens, int completionTokens) {
        this(promptTokens, cachedPromptTokens, completionTokens, false);
    }
}
