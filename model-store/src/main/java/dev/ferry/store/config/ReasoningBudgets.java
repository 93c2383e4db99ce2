package dev.ferry.store.config;

import java.util.EnumMap;
import java.util.Map;

/**
 * The thinking budget, in tokens, of each {@link ReasoningEffort}: how many tokens a request at that
 * effort may think before the engine closes its thinking. Written {@code reasoning-budget.low=512}
 * in ferry.properties; levels not written keep their defaults.
 */
public final class ReasoningBudgets {
    public static final String PREFIX = "reasoning-budget.";
    public static final ReasoningBudgets DEFAULTS = new ReasoningBudgets(Map.of(
            ReasoningEffort.NONE, 0, ReasoningEffort.MINIMAL, 64, ReasoningEffort.LOW, 256,
            ReasoningEffort.MEDIUM, 1024, ReasoningEffort.HIGH, 4096));

    private final Map<ReasoningEffort, Integer> tokens;

    private ReasoningBudgets(Map<ReasoningEffort, Integer> tokens) {
        this.tokens = new EnumMap<>(tokens);
    }

    /** The budget of {@code effort}. */
    public int tokens(ReasoningEffort effort) {
        return tokens.get(effort);
    }

    /**
     * Reads the {@code reasoning-budget.*} entries of {@code entries} (others are ignored) over the
     * defaults; IllegalArgumentException naming the key at fault.
     */
    public static ReasoningBudgets parse(Map<String, String> entries) {
        Map<ReasoningEffort, Integer> out = new EnumMap<>(DEFAULTS.tokens);
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            ReasoningEffort effort;
            try {
                effort = ReasoningEffort.fromWire(e.getKey().substring(PREFIX.length()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("key '" + e.getKey() + "': the level " + bad.getMessage());
            }
            if (effort == ReasoningEffort.NONE) {
                throw new IllegalArgumentException("key '" + e.getKey() + "': effort none never thinks; it has no budget");
            }
            out.put(effort, nonNegative(e.getKey(), e.getValue()));
        }
        return new ReasoningBudgets(out);
    }

    private static int nonNegative(String key, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("key '" + key + "': must be a number of tokens >= 0, got '" + value + "'");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReasoningBudgets b && tokens.equals(b.tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return tokens.toString();
    }
}
