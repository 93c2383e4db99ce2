package dev.ferry.store.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** OpenAI's {@code reasoning_effort} levels: how long a thinking model may think before it answers. */
public enum ReasoningEffort {
    /** No thinking: the template is asked to skip it, and any thinking opened is closed at once. */
    NONE,
    MINIMAL,
    LOW,
    MEDIUM,
    HIGH;

    /** As the API and ferry.properties spell it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The level {@code name} spells; IllegalArgumentException listing the levels otherwise. */
    public static ReasoningEffort fromWire(String name) {
        for (ReasoningEffort e : values()) {
            if (e.wireName().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("must be one of " + Arrays.stream(values()).map(ReasoningEffort::wireName)
                .collect(Collectors.joining(", ")) + ", got '" + name + "'");
    }
}
