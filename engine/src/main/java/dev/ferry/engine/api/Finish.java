package dev.ferry.engine.api;

/**
 * The terminal event of a request.
 *
 * @param text text still held back at the end (usually empty)
 * @param error what went wrong, for {@link FinishReason#ERROR}; null otherwise
 */
public record Finish(FinishReason reason, Usage usage, String text, String error) {}
