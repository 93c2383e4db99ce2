package dev.ferry.engine.loop;

import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.SpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the engine loop's outputs to sinks on its own thread, so that detokenization, stop
 * strings and the sinks' own work never lengthen a step. One producer (the loop), one consumer.
 */
final class OutputThread implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputThread.class);

    private final SpscUnboundedArrayQueue<OutputEvent> queue = new SpscUnboundedArrayQueue<>(1024);
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean stopping;

    OutputThread(String name) {
        thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called by the loop thread only. */
    void publish(OutputEvent e) {
        queue.offer(e);
    }

    /** Called by the loop after a step's events are published. */
    void wake() {
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    void stopAfterDrain() throws InterruptedException {
        stopping = true;
        LockSupport.unpark(thread);
        thread.join();
    }

    @Override
    public void run() {
        while (true) {
            OutputEvent e = queue.poll();
            if (e == null) {
                if (stopping && queue.isEmpty()) {
                    return;
                }
                sleeping = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                sleeping = false;
                continue;
            }
            try {
                deliver(e);
            } catch (RuntimeException ex) {
                // A failing sink must not take the other requests' outputs down with it.
                LOG.warn("token sink of request {} failed: {}", e.request().request.requestId(), ex.toString());
            }
        }
    }

    private static void deliver(OutputEvent e) {
        RequestState r = e.request();
        OutputProcessor out = r.output;
        if (e.finish() == null) {
            if (out.onToken(e.tokenId(), e.logprob(), e.topIds(), e.topLogprobs(), e.reasoning(),
                    r.cachedPromptTokens)) {
                r.stopRequested = true; // a stop string: the loop retires the sequence next iteration
                r.done = true;
            }
        } else {
            out.onFinish(e.finish(), r.cachedPromptTokens, e.error());
            r.done = true;
        }
    }
}
