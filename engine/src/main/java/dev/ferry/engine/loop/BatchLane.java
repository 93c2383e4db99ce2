package dev.ferry.engine.loop;

import dev.ferry.engine.platform.ComputePriority;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs the steps that hold batch work only (shadow scoring, batch-priority requests) of an engine
 * that computes on the host's cores on a thread of its own at the lowest CPU priority (nice 19, in
 * Linux's SCHED_IDLE class), while the loop thread waits. The process's engines share those cores
 * with each other and with the front end: a batch step running on both cores when another engine's
 * interactive request arrives made that request wait for a core behind it, in each hand-off from
 * arrival to first token. In the idle class the kernel gives the interactive threads the cores the
 * moment they want them (at nice 19 alone, shadowing's cost to the p95 TTFT measured +4-11%), and the
 * batch step has whatever they leave; the step itself, its scheduling and its tokens are unchanged.
 * The OpenMP workers and the BLAS partner this thread starts inherit its priority and class. A step that holds any
 * interactive work runs on the loop thread as before. GPU engines need none: their steps' host work
 * is launching kernels.
 */
final class BatchLane implements AutoCloseable {
    /** The nice value's increment for batch steps: the loop's own plus this is capped at 19, the lowest. */
    private static final int LOWEST = 19;

    private final ExecutorService thread;

    /** @param name the engine's name, for the thread's */
    BatchLane(String name) {
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                ComputePriority.lowerCurrentThread(LOWEST);
                ComputePriority.idleCurrentThread();
                r.run();
            }, "ferry-engine-" + name + "-batch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code step} on the lane's thread and returns its result; its unchecked exceptions are rethrown here. */
    <T> T run(Supplier<T> step) {
        Future<T> done = thread.submit(step::get);
        try {
            return done.get();
        } catch (InterruptedException e) {
            done.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a batch step ran", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
