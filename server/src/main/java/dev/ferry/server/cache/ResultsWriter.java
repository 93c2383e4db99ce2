package dev.ferry.server.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The results store's writes, off the request path: a bounded queue that a request's thread offers
 * to without waiting (a full queue drops the write and counts it) and one thread that stores what
 * it holds in batches, and between them does the store's upkeep (expiry, the size bound).
 */
final class ResultsWriter implements AutoCloseable {
    /** One result to store. */
    record Entry(String key, byte[] value, long storedMillis) {}

    private static final int BATCH = 256;
    /** How often an idle writer looks whether it is closing: never interrupted, as H2 closes a file an interrupt hits. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final BlockingQueue<Entry> queue;
    private final Consumer<List<Entry>> write;
    private final BooleanSupplier upkeep;
    private final long upkeepEveryNanos;
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private volatile boolean closing;

    /**
     * @param write stores a batch (never throws: a failure is the store's to count)
     * @param upkeep runs first, then every {@code upkeepEvery}; false when the database was not
     *     reached, to be tried again after {@link DatabaseHealth#REST} (a database still starting)
     */
    ResultsWriter(int capacity, Consumer<List<Entry>> write, BooleanSupplier upkeep, Duration upkeepEvery) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.write = write;
        this.upkeep = upkeep;
        this.upkeepEveryNanos = upkeepEvery.toNanos();
        this.thread = new Thread(this::run, "ferry-results-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code value}, or drops it (counted) when the queue is full or closing. */
    void offer(String key, byte[] value) {
        if (closing || !queue.offer(new Entry(key, value, System.currentTimeMillis()))) {
            dropped.increment();
        }
    }

    /** Writes dropped because the queue was full. */
    long dropped() {
        return dropped.sum();
    }

    private void run() {
        List<Entry> batch = new ArrayList<>(BATCH);
        long nextUpkeep = System.nanoTime();
        while (true) {
            if (System.nanoTime() - nextUpkeep >= 0) {
                nextUpkeep = System.nanoTime() + (upkeep.getAsBoolean() ? upkeepEveryNanos : DatabaseHealth.REST.toNanos());
            }
            Entry first;
            try {
                first = queue.poll(Math.max(1, Math.min(POLL_NANOS, nextUpkeep - System.nanoTime())), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first != null) {
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write.accept(batch);
                batch.clear();
            } else if (closing) {
                return;
            }
        }
    }

    /** Writes what is queued (within {@code grace}), then stops. */
    void close(Duration grace) {
        closing = true;
        try {
            thread.join(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }
}
