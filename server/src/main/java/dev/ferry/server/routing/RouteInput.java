package dev.ferry.server.routing;

/**
 * What a route decides on, known before any model runs.
 *
 * @param promptTokens the prompt's length, counted with a candidate's tokenizer
 * @param maxTokens the output length the request asked for; null when it did not say
 * @param text the prompt as text (chat messages joined), for a classifier; null for token-id prompts
 */
public record RouteInput(int promptTokens, Integer maxTokens, String text) {}
