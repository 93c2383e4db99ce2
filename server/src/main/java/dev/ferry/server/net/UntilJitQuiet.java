package dev.ferry.server.net;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A warm-up's "one more?": yes until {@code minimum} were asked for, then until this JVM's JIT has
 * gone quiet (compiles under a tenth of a half-second window, see {@link JitSettling}) or the
 * limit, counted from construction, has passed.
 */
public final class UntilJitQuiet implements BooleanSupplier {
    private static final Duration WINDOW = Duration.ofMillis(500);
    private static final double QUIET_SHARE = 0.1;

    private final int minimum;
    private final long deadline;
    private final JitSettling jit;
    private int granted;
    private boolean settled;

    public UntilJitQuiet(int minimum, Duration limit) {
        long now = System.nanoTime();
        this.minimum = minimum;
        this.deadline = now + limit.toNanos();
        this.jit = JitSettling.ofThisJvm(WINDOW, QUIET_SHARE, now);
    }

    @Override
    public boolean getAsBoolean() {
        if (granted < minimum) {
            granted++;
            return true;
        }
        long now = System.nanoTime();
        settled = settled || jit.settled(now);
        return !settled && now < deadline;
    }

    /** How a warm-up that stopped ({@code settled} or at its limit) ends its log line. */
    public static String ending(boolean settled) {
        return settled ? ", until the JIT went quiet" : ", the JIT still compiling after the last";
    }

    /** Whether it stopped because the JIT went quiet rather than at the limit. */
    public boolean settled() {
        return settled;
    }
}
