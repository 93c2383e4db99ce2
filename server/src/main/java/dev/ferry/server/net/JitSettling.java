package dev.ferry.server.net;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Tells when the JIT compilers have gone quiet: a whole window passed in which they compiled for
 * less than a share of it. A warm-up that runs until then leaves a first burst no compiles to wait
 * behind; on two cores a C2 compile of a request path's method took 100-300 ms of a core, which a
 * burst's refusals otherwise queue behind.
 */
public final class JitSettling {
    private final LongSupplier compileMillis;
    private final long windowNanos;
    private final double quietShare;
    private long windowStart;
    private long compiledAtWindowStart;

    /**
     * @param compileMillis the compilers' total time so far, in milliseconds
     * @param quietShare the share of a window the compilers may take in a quiet one
     */
    public JitSettling(LongSupplier compileMillis, Duration window, double quietShare, long nowNanos) {
        this.compileMillis = compileMillis;
        this.windowNanos = window.toNanos();
        this.quietShare = quietShare;
        this.windowStart = nowNanos;
        this.compiledAtWindowStart = compileMillis.getAsLong();
    }

    /** This JVM's compilers; where the JVM does not time them, every window counts as quiet. */
    public static JitSettling ofThisJvm(Duration window, double quietShare, long nowNanos) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        LongSupplier millis = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime
                : () -> 0L;
        return new JitSettling(millis, window, quietShare, nowNanos);
    }

    /** @return whether the window that ended by {@code nowNanos} was quiet; false while it has not ended */
    public boolean settled(long nowNanos) {
        long elapsed = nowNanos - windowStart;
        if (elapsed < windowNanos) {
            return false;
        }
        long compiled = compileMillis.getAsLong();
        boolean quiet = (compiled - compiledAtWindowStart) * 1_000_000.0 < quietShare * elapsed;
        windowStart = nowNanos;
        compiledAtWindowStart = compiled;
        return quiet;
    }
}
