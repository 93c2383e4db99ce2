package dev.ferry.store.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * How an encoder's batcher forms batches (Triton's dynamic batcher): a batch runs as soon as the
 * largest preferred size is reached, or once the oldest waiting input has waited
 * {@code maxQueueDelay}, then at the largest preferred size available. Batches are packed (no
 * padding), so a batch's cost is its inputs' real tokens: it never holds more than
 * {@code maxBatchTokens} of them in all, except a single input longer than that, which runs alone.
 *
 * @param maxQueuedInputs inputs that may wait; beyond them a request is refused as overload
 */
public record EncoderBatchConfig(Duration maxQueueDelay, List<Integer> preferredBatchSizes, int maxBatchTokens,
                                 int maxQueuedInputs) {
    /** The ferry.properties keys, as {@link ServingConfig} knows them. */
    public static final List<String> KEYS = List.of("max-queue-delay", "preferred-batch-sizes", "max-batch-tokens");

    public EncoderBatchConfig {
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max-queue-delay must not be negative, got " + maxQueueDelay);
        }
        if (preferredBatchSizes.isEmpty() || preferredBatchSizes.stream().anyMatch(n -> n <= 0)) {
            throw new IllegalArgumentException("preferred-batch-sizes must be positive sizes, got " + preferredBatchSizes);
        }
        preferredBatchSizes = preferredBatchSizes.stream().distinct().sorted().toList();
        if (maxBatchTokens <= 0 || maxQueuedInputs <= 0) {
            throw new IllegalArgumentException("max-batch-tokens and the queue bound must be positive");
        }
    }

    public static EncoderBatchConfig defaults() {
        return new EncoderBatchConfig(Duration.ofMillis(5), List.of(8, 16, 32), 16384, 4096);
    }

    /** The largest preferred size: a batch this big runs without waiting. */
    public int maxBatchSize() {
        return preferredBatchSizes.get(preferredBatchSizes.size() - 1);
    }

    /** The defaults with the keys {@code p} sets; errors name the key. */
    static EncoderBatchConfig parse(Properties p) {
        EncoderBatchConfig c = defaults();
        String delay = p.getProperty("max-queue-delay");
        String sizes = p.getProperty("preferred-batch-sizes");
        String tokens = p.getProperty("max-batch-tokens");
        try {
            if (delay != null) {
                c = c.withMaxQueueDelay(Durations.parse(delay));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("max-queue-delay: " + e.getMessage(), e);
        }
        if (sizes != null) {
            c = c.withPreferredBatchSizes(sizes(sizes));
        }
        if (tokens != null) {
            c = c.withMaxBatchTokens(positive("max-batch-tokens", tokens));
        }
        return c;
    }

    private static List<Integer> sizes(String text) {
        List<Integer> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(positive("preferred-batch-sizes", s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("preferred-batch-sizes: names no size (expected e.g. 8,16,32)");
        }
        return out;
    }

    private static int positive(String key, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + ": must be a positive integer, got '" + text + "'");
    }

    public EncoderBatchConfig withMaxQueueDelay(Duration d) {
        return new EncoderBatchConfig(d, preferredBatchSizes, maxBatchTokens, maxQueuedInputs);
    }

    public EncoderBatchConfig withPreferredBatchSizes(List<Integer> sizes) {
        return new EncoderBatchConfig(maxQueueDelay, sizes, maxBatchTokens, maxQueuedInputs);
    }

    public EncoderBatchConfig withMaxBatchTokens(int tokens) {
        return new EncoderBatchConfig(maxQueueDelay, preferredBatchSizes, tokens, maxQueuedInputs);
    }

    public EncoderBatchConfig withMaxQueuedInputs(int inputs) {
        return new EncoderBatchConfig(maxQueueDelay, preferredBatchSizes, maxBatchTokens, inputs);
    }
}
