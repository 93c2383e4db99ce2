package dev.ferry.engine.platform;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the CPU priority (raises the nice value) of the calling thread, on Linux. The engine
 * loop calls it before its first tensor op: the OpenMP workers that op creates inherit the value,
 * so the whole compute team yields to the front end's event loops and callback threads when both
 * want a core. On CPU the team otherwise fills every core, and a refusal or a token waiting to be
 * written queues behind a matmul (measured on 2 cores under 3x overload, nice 10: a refusal's round
 * trip went from p50 7 ms to 5 ms, p99 16-21 ms to 11-13 ms).
 * On a dedicated machine this costs the engine nothing: the front end's threads are idle most of
 * the time, and then the team has the cores to itself.
 */
public final class ComputePriority {
    private static final Logger LOG = LoggerFactory.getLogger(ComputePriority.class);
    private static final int PRIO_PROCESS = 0; // with a thread id, Linux applies it to that thread only
    private static final int MAX_NICE = 19;
    private static final int SCHED_IDLE = 5;

    private ComputePriority() {}

    /** @param niceIncrement added to the thread's nice value (capped at 19); 0 leaves it alone */
    public static void lowerCurrentThread(int niceIncrement) {
        if (niceIncrement == 0) {
            return;
        }
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            LOG.debug("engine thread priority left alone: not Linux");
            return;
        }
        try {
            NativeLibrary c = NativeLibrary.getInstance("c");
            int tid = c.getFunction("gettid").invokeInt(new Object[0]);
            Function getpriority = c.getFunction("getpriority", Function.THROW_LAST_ERROR);
            Function setpriority = c.getFunction("setpriority", Function.THROW_LAST_ERROR);
            int nice = Math.min(MAX_NICE, getpriority.invokeInt(new Object[] {PRIO_PROCESS, tid}) + niceIncrement);
            setpriority.invokeInt(new Object[] {PRIO_PROCESS, tid, nice});
            LOG.debug("{} runs at nice {}", Thread.currentThread().getName(), nice);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            LOG.warn("could not lower the priority of {}; it competes with the front end at full priority: {}",
                    Thread.currentThread().getName(), e.toString());
        }
    }

    /**
     * Puts the calling thread in Linux's SCHED_IDLE class: it runs only on cores no other thread wants,
     * and a waking thread of the normal class takes its core at once. Nice 19 alone still leaves it a
     * share of each core and the time until the scheduler's next decision. Threads it starts inherit
     * the class. Any process may move its own threads there; elsewhere it stays as it was.
     */
    public static void idleCurrentThread() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return;
        }
        try {
            Function setscheduler = NativeLibrary.getInstance("c").getFunction("sched_setscheduler",
                    Function.THROW_LAST_ERROR);
            setscheduler.invokeInt(new Object[] {0, SCHED_IDLE, new int[] {0}}); // 0: this thread; sched_priority 0
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            LOG.warn("could not move {} to the idle scheduling class; it runs at its nice value: {}",
                    Thread.currentThread().getName(), e.toString());
        }
    }
}
