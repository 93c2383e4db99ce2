package dev.ferry.server.serving;

import dev.ferry.engine.api.GrammarLimits;

/**
 * Bounds on what a client may send, the same for gRPC and HTTP.
 *
 * @param maxRequestBytes largest request message or body
 * @param maxPromptTokens longest prompt after tokenization (the model's context bounds it too)
 * @param maxStopStrings most stop strings per request
 * @param formats bounds on a structured-output format (schema, grammar, pattern) and its compilation
 * @param strictFields refuse a request field the API does not know (HTTP 400 naming it) instead of
 *     ignoring it and listing it in the {@code x-ferry-ignored-fields} response header
 */
public record ServingLimits(int maxRequestBytes, int maxPromptTokens, int maxStopStrings, GrammarLimits formats,
                            boolean strictFields) {

    public static final ServingLimits DEFAULTS = new ServingLimits(4 << 20, 1 << 20, 16, GrammarLimits.DEFAULTS, false);

    public ServingLimits {
        if (maxRequestBytes <= 0 || maxPromptTokens <= 0 || maxStopStrings < 0) {
            throw new IllegalArgumentException("request limits must be positive");
        }
        if (formats == null) {
            formats = GrammarLimits.DEFAULTS;
        }
    }

    /** With the default format limits, unknown fields ignored. */
    public ServingLimits(int maxRequestBytes, int maxPromptTokens, int maxStopStrings) {
        this(maxRequestBytes, maxPromptTokens, maxStopStrings, GrammarLimits.DEFAULTS, false);
    }

    public ServingLimits withStrictFields(boolean strict) {
        return new ServingLimits(maxRequestBytes, maxPromptTokens, maxStopStrings, formats, strict);
    }
}
