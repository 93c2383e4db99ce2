package dev.ferry.engine.platform;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The engines of one process that compute on the host's cores share those cores, whatever their OS
 * priority: a step of one engine's batch work (shadow scoring, batch requests) takes CPU time from
 * another engine's interactive requests. Each such engine says here while it holds interactive work.
 * While another one does, an engine holding only batch work defers its steps, for at most
 * {@link #MAX_DEFER_NANOS} at a time so that batch work still moves under a constant interactive load,
 * and its batch work runs at most {@link #BATCH_TOKENS_BESIDE_INTERACTIVE} tokens a step, so a step of
 * it that starts just before an interactive arrival delays that arrival little. Measured on 2 cores
 * (bench/shadow.sh, shadows at rate 0.2, a large tier 16x the small one's work per token): the small
 * tier's p95 TTFT rose 10-17% while both tiers stepped freely, as much with the deferral alone (whole
 * scoring prefills), and 7-8% pooled with both (16- or 8-token chunks alike, within the noise).
 */
public final class HostCompute {
    /** The longest a batch-only engine waits before it runs a step anyway. */
    public static final long MAX_DEFER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Batch tokens a step may take while another engine holds interactive work. */
    public static final int BATCH_TOKENS_BESIDE_INTERACTIVE = 16;
    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final AtomicInteger INTERACTIVE = new AtomicInteger();

    /** One engine's side: whether it holds interactive work now, and since when its batch work waits. */
    public static final class Lane {
        private boolean interactive;
        private long deferringSince = -1;

        /** The engine holds interactive work ({@code true}) or no longer does; called by its loop thread only. */
        public void holdsInteractive(boolean now) {
            if (now != interactive) {
                interactive = now;
                INTERACTIVE.addAndGet(now ? 1 : -1);
            }
        }

        /** Whether another engine holds interactive work now. */
        public boolean othersHoldInteractive() {
            return INTERACTIVE.get() > (interactive ? 1 : 0);
        }

        /** The batch tokens this engine's next step may take. */
        public int batchTokenBudget() {
            return othersHoldInteractive() ? BATCH_TOKENS_BESIDE_INTERACTIVE : Integer.MAX_VALUE;
        }

        /**
         * For an engine holding only batch work: whether to hold its next step back (having paused a
         * moment), because another engine holds interactive work and this one has not waited its longest.
         */
        public boolean deferBatch() {
            long now = System.nanoTime();
            if (!othersHoldInteractive() || (deferringSince >= 0 && now - deferringSince > MAX_DEFER_NANOS)) {
                deferringSince = -1;
                return false;
            }
            if (deferringSince < 0) {
                deferringSince = now;
            }
            LockSupport.parkNanos(PAUSE_NANOS);
            return true;
        }
    }

    private HostCompute() {}
}
