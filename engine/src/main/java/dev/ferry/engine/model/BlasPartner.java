package dev.ferry.engine.model;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A second thread for one thread's OpenBLAS products: the owner computes one part, the partner the
 * other, and the owner waits for both. OpenBLAS's own thread pool would do the same but spins for
 * tenths of a second after every call without yielding, fighting libtorch's OpenMP workers for the
 * cores; the partner waits for the next product by yielding ({@link #SPIN_NANOS}, long enough to
 * span the ops between two layers of a decode step) and then parks. Each engine thread gets its own
 * partner on first use; a partner whose owner has ended ends too.
 */
final class BlasPartner {
    private static final ThreadLocal<BlasPartner> OF_THREAD = ThreadLocal.withInitial(() -> new BlasPartner(Thread.currentThread()));
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final long PARK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Thread owner;
    private final Thread thread;
    /** The partner's part of the current product: set by the owner, cleared by the partner when done. */
    private volatile Runnable task;
    private volatile boolean parked;
    private volatile Throwable failure;

    private BlasPartner(Thread owner) {
        this.owner = owner;
        this.thread = new Thread(this::loop, owner.getName() + "-blas");
        thread.setDaemon(true);
        thread.start();
    }

    static BlasPartner ofCurrentThread() {
        return OF_THREAD.get();
    }

    /** Runs {@code mine} here and {@code theirs} on the partner; returns when both are done. */
    void run(Runnable mine, Runnable theirs) {
        task = theirs;
        if (parked) {
            LockSupport.unpark(thread);
        }
        mine.run();
        while (task != null) {
            Thread.onSpinWait();
        }
        Throwable t = failure;
        if (t != null) {
            failure = null;
            throw new IllegalStateException("the BLAS partner thread failed", t);
        }
    }

    private void loop() {
        while (owner.isAlive()) {
            Runnable t = awaitTask();
            if (t == null) {
                continue;
            }
            try {
                t.run();
            } catch (Throwable e) {
                failure = e;
            }
            task = null;
        }
    }

    /** The next task, after a short spin and then a park; null when the park ended without one. */
    private Runnable awaitTask() {
        long until = System.nanoTime() + SPIN_NANOS;
        Runnable t;
        while ((t = task) == null && System.nanoTime() - until < 0) {
            Thread.yield(); // gives the core to any other thread that wants it, at once
        }
        if (t != null) {
            return t;
        }
        parked = true; // the owner reads this after publishing a task: one of the two sees the other
        if (task == null) {
            LockSupport.parkNanos(this, PARK_NANOS);
        }
        parked = false;
        return task;
    }
}
