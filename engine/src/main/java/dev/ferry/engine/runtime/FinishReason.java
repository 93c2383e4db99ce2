package dev.ferry.engine.runtime;

import java.util.Locale;

/** Why a generation ended. */
public enum FinishReason {
    /** An eos token or a stop condition. */
    STOP,
    /** max_tokens reached, or the model's context is full. */
    LENGTH;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
