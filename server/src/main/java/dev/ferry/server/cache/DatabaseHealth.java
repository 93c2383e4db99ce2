package dev.ferry.server.cache;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the results store's database answers, as its last calls found: after a failure it is left
 * alone for a second (requests skip it instead of queueing on it), then the next call tries again.
 * Going down is logged once as a warning and coming back once, however many calls pass between.
 */
final class DatabaseHealth {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseHealth.class);
    static final Duration REST = Duration.ofSeconds(1);

    private final String where;
    private final LongAdder errors = new LongAdder();
    private volatile long restUntilNanos = System.nanoTime();
    private volatile boolean down;

    /** @param where the database as the log names it (no password) */
    DatabaseHealth(String where) {
        this.where = where;
    }

    /** True while resting after a failure: the caller skips the database. */
    boolean resting() {
        return System.nanoTime() - restUntilNanos < 0;
    }

    void failed(String why) {
        errors.increment();
        restUntilNanos = System.nanoTime() + REST.toNanos();
        synchronized (this) {
            if (!down) {
                down = true;
                LOG.warn("results database {} is unavailable ({}); answering from the in-process cache, Redis and the "
                        + "engine until it is back", where, why);
            }
        }
    }

    void succeeded() {
        if (down) {
            synchronized (this) {
                if (down) {
                    down = false;
                    LOG.info("results database {} is back; storing and serving precomputed results again", where);
                }
            }
        }
    }

    boolean isUp() {
        return !down;
    }

    long errors() {
        return errors.sum();
    }
}
