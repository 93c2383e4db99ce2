package dev.ferry.engine.api;

/**
 * Token counts of a finished request.
 *
 * @param cachedPromptTokens prompt tokens whose KV came from the prefix cache instead of being computed
 * @param reasoningTokens completion tokens spent thinking (its markers included); 0 for a request without thinking
 * @param cached the whole answer came from the response cache: nothing was computed
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens, int reasoningTokens,
                    boolean cached) {

    /** Usage of an answer the engine computed. */
    public Usage(int promptTokens, int cachedPromptTokens, int completionTokens, int reasoningTokens) {
        this(promptTokens, cachedPromptTokens, completionTokens, reasoningTokens, false);
    }
}
