package dev.ferry.engine.platform;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

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

    /**
     * Runs {@code work} on a new thread named {@code name} and returns once that thread has ended;
     * its exceptions are rethrown here.
     */
    public static <T> T call(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new Thread(task, name);
        thread.start();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the work cannot be abandoned half done: it owns native memory
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            return task.get(); // done: get neither blocks nor looks at the interrupt
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new CompletionException(e.getCause());
        } catch (InterruptedException e) {
            throw new AssertionError("a finished task does not wait", e);
        }
    }
}
