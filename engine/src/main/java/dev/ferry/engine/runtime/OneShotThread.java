package dev.ferry.engine.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/**
 * Runs tensor work on a thread of its own that ends with it. Each thread that runs a parallel op
 * keeps its own OpenMP team alive for as long as it lives, and once the process has more OpenMP
 * threads than CPUs, libgomp cuts every worker's spin between parallel regions to ~100 iterations,
 * so they sleep and wake through the kernel hundreds of times a step. Measured on 2 cores: a
 * batch-32 step took 10-15% longer beside one idle team. Loading a model on the caller's thread
 * (the server's admin thread, a benchmark's main thread) would leave such a team behind; on a
 * one-shot thread it goes away, and the engine loop's team runs alone.
 */
public final class OneShotThread {
    private OneShotThread() {}

    /** Runs {@code work} on a new thread named {@code name} and waits for it; its exceptions are rethrown here. */
    public static <T> T call(String name, Callable<T> work) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = work.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, name);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the work cannot be abandoned half done: it owns native memory
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        if (failure[0] != null) {
            throw new CompletionException(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }
}
