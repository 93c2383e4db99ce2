package dev.ferry.engine.api;

/**
 * Token counts of a finished request.
 *
 * @param cachedPromptTokens prompt tokens whose KV came from the prefix cache instead of being computed
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens) {}
