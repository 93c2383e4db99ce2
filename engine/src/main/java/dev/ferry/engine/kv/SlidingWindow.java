package dev.ferry.engine.kv;

/**
 * Which keys a query sees under Mistral's sliding window, written once: the libtorch mask ({@link
 * AttentionPlan}) and the Java kernel (HostAttention, which visits only the visible keys) must agree
 * key for key.
 */
public final class SlidingWindow {
    private SlidingWindow() {}

    /**
     * The first position a query at {@code position} attends to; it sees {@code [firstVisible, position]}.
     *
     * @param window null when attention sees the whole context, else the number of positions a query
     *     sees, its own included
     */
    public static int firstVisible(int position, Integer window) {
        return window == null ? 0 : Math.max(0, position - window + 1);
    }
}
