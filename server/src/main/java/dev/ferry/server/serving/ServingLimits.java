package dev.ferry.server.serving;

/**
 * Bounds on what a client may send, the same for gRPC and HTTP.
 *
 * @param maxRequestBytes largest request message or body
 * @param maxPromptTokens longest prompt after tokenization (the model's context bounds it too)
 * @param maxStopStrings most stop strings per request
 */
public record ServingLimits(int maxRequestBytes, int maxPromptTokens, int maxStopStrings) {

    public static final ServingLimits DEFAULTS = new ServingLimits(4 << 20, 1 << 20, 16);

    public ServingLimits {
        if (maxRequestBytes <= 0 || maxPromptTokens <= 0 || maxStopStrings < 0) {
            throw new IllegalArgumentException("request limits must be positive");
        }
    }
}
