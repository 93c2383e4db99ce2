package dev.ferry.engine.embed;

import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.metrics.EmbeddingMetrics;
import dev.ferry.store.config.EncoderBatchConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dynamic batcher of one encoder: clients' inputs wait in a bounded queue, and the batcher's
 * own thread runs them through {@link LoadedEncoder#embed} in batches that {@link BatchPlanner}
 * forms (by preferred size, queue delay, length and token budget). A client's list may be split
 * across batches; its future completes with the vectors in the order it sent them.
 */
public final class EncoderBatcher implements AutoCloseable {
    private final LoadedEncoder encoder;
    private final EncoderBatchConfig config;
    private final BatchPlanner planner;
    private final EmbeddingMetrics metrics = new EmbeddingMetrics();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Waiting inputs in arrival order; guarded by {@link #lock}. */
    private final List<Pending> pending = new ArrayList<>();
    private final Thread thread;
    private boolean closed;

    private EncoderBatcher(LoadedEncoder encoder, EncoderBatchConfig config) {
        this.encoder = encoder;
        this.config = config;
        this.planner = new BatchPlanner(config);
        this.thread = new Thread(this::loop, "ferry-embed-" + encoder.folder().name());
        thread.setDaemon(true);
    }

    /** Starts the batcher's thread. The encoder stays the caller's to close, after {@link #close()}. */
    public static EncoderBatcher start(LoadedEncoder encoder, EncoderBatchConfig config) {
        EncoderBatcher b = new EncoderBatcher(encoder, config);
        b.thread.start();
        return b;
    }

    /**
     * Queues a client's inputs; the future completes with one vector per input, in order.
     *
     * @throws InvalidRequestException naming {@code input[i]} for an input the model cannot take,
     *     or the list when it alone exceeds the queue
     * @throws EngineOverloadedException when the queue has no room for the inputs now
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<float[][]> submit(List<int[]> inputs) {
        encoder.validate(inputs);
        if (inputs.size() > config.maxQueuedInputs()) {
            throw new InvalidRequestException("input", "input: " + inputs.size() + " inputs exceed the "
                    + config.maxQueuedInputs() + " an encoder queue holds; send them in smaller requests");
        }
        EmbedRequest request = new EmbedRequest(inputs.size());
        if (inputs.isEmpty()) {
            return CompletableFuture.completedFuture(new float[0][]);
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the encoder batcher of " + encoder.folder().name() + " is closed");
            }
            if (pending.size() + inputs.size() > config.maxQueuedInputs()) {
                metrics.refused();
                throw new EngineOverloadedException("embedding queue of " + encoder.folder().name() + " is full ("
                        + pending.size() + " of " + config.maxQueuedInputs() + " inputs waiting)");
            }
            for (int i = 0; i < inputs.size(); i++) {
                pending.add(new Pending(request, i, inputs.get(i), now));
            }
            metrics.queued(pending.size());
            changed.signal();
        } finally {
            lock.unlock();
        }
        return request.future();
    }

    public EmbeddingMetrics metrics() {
        return metrics;
    }

    public EncoderBatchConfig config() {
        return config;
    }

    private void loop() {
        while (true) {
            List<Pending> batch;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        return;
                    }
                    long now = System.nanoTime();
                    batch = planner.next(pending, now);
                    if (!batch.isEmpty()) {
                        metrics.queued(pending.size());
                        break;
                    }
                    if (pending.isEmpty()) {
                        changed.awaitUninterruptibly();
                    } else {
                        changed.awaitNanos(planner.deadline(pending) - now);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            run(batch);
        }
    }

    private void run(List<Pending> batch) {
        List<Pending> live = batch.stream().filter(p -> !p.request().done()).toList();
        if (live.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<int[]> ids = new ArrayList<>(live.size());
        for (Pending p : live) {
            metrics.record(EmbeddingMetrics.Dist.QUEUE_WAIT_US, (start - p.arrivedNanos()) / 1000);
            ids.add(p.ids());
        }
        try {
            float[][] vectors = encoder.embed(ids);
            metrics.record(EmbeddingMetrics.Dist.BATCH_US, (System.nanoTime() - start) / 1000);
            metrics.record(EmbeddingMetrics.Dist.BATCH_SIZE, live.size());
            metrics.batch(live.size(), System.currentTimeMillis());
            for (int i = 0; i < live.size(); i++) {
                live.get(i).request().put(live.get(i).index(), vectors[i]);
            }
        } catch (RuntimeException e) {
            live.forEach(p -> p.request().fail(e));
        }
    }

    /** Stops the thread after the batch in progress; inputs still waiting fail with a {@link CancellationException}. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            pending.forEach(p -> p.request().fail(new CancellationException("the encoder batcher was closed")));
            pending.clear();
        } finally {
            lock.unlock();
        }
    }
}
