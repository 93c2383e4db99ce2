package dev.ferry.store.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a model's dense-layer weights are stored in memory when they are quantized at load
 * ({@code quantize=int8} in {@code ferry.properties}, {@code --quantize int8}); a model without it
 * keeps its weights in its dtype.
 */
public enum Quantization {
    /** Weight-only int8: one fp32 scale per output row (symmetric), activations in fp32. */
    INT8;

    /** The name a user writes: {@code int8}. */
    public String userName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a user's name for a quantization; an unknown one names the ones there are. */
    public static Quantization fromUserName(String name) {
        for (Quantization q : values()) {
            if (q.userName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown quantization '" + name + "' (expected "
                + Arrays.stream(values()).map(Quantization::userName).collect(Collectors.joining(", ")) + ")");
    }
}
