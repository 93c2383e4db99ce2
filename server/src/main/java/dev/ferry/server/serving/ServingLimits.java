package dev.ferry.server.serving;

import dev.ferry.engine.api.GrammarLimits;

/**
 * Bounds on what a client may send, the same for gRPC and HTTP.
 *
 * @param maxRequestBytes largest request message or body
 * @param maxPromptTokens longest prompt after tokenization (the model's context bounds it too)
 * @param maxStopStrings most stop strings per request
 * @param formats bounds on a structured-output format (schema, grammar, pattern) and its compilation
 */
public record ServingLimits(int maxRequestBytes, int maxPromptTokens, int maxStopStrings, GrammarLimits formats) {

    public static final ServingLimits DEFAULTS = new ServingLimits(4 << 20, 1 << 20, 16, GrammarLimits.DEFAULTS);

    public ServingLimits {
        if (maxRequestBytes <= 0 || maxPromptTokens <= 0 || maxStopStrings < 0) {
            throw new IllegalArgumentException("request limits must be positive");
        }
        if (formats == null) {
            formats = GrammarLimits.DEFAULTS;
        }
    }

    /** With the default format limits. */
    public ServingLimits(int maxRequestBytes, int maxPromptTokens, int maxStopStrings) {
        this(maxRequestBytes, maxPromptTokens, maxStopStrings, GrammarLimits.DEFAULTS);
    }
}
