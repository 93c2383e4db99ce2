package dev.ferry.engine.loop;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many of the process's engines that compute on the host's cores hold interactive work: requests
 * a client is waiting on, from arrival to their last token. An engine whose work is batch only (shadow
 * scoring, batch-priority requests) holds back its next step while any other engine holds some
 * ({@link EngineLoop}): at nice 19 ({@link BatchLane}) a batch step still takes the cores' caches,
 * memory bandwidth and the moments before the kernel preempts it, and those landed on the interactive
 * requests' time to first token. The cores are the process's, so the count is too.
 */
final class InteractiveWork {
    private static final AtomicInteger ENGINES = new AtomicInteger();

    private InteractiveWork() {
    }

    /** One engine's share of the count, which it alone moves. */
    static final class Share {
        private boolean held;

        /** Counts this engine in while it holds interactive work, and out when it stops. */
        void hold(boolean interactive) {
            if (interactive != held) {
                held = interactive;
                ENGINES.addAndGet(interactive ? 1 : -1);
            }
        }

        /** Whether an engine other than this one holds interactive work. */
        boolean othersHold() {
            return ENGINES.get() > (held ? 1 : 0);
        }
    }
}
