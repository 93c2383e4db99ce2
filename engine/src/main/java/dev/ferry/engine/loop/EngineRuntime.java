package dev.ferry.engine.loop;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.platform.ComputePriority;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Scheduler;
import dev.ferry.engine.sched.Sequence;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MpscArrayQueue;

/**
 * The threads and queues behind {@link dev.ferry.engine.Engine}: a bounded MPSC submit queue,
 * the engine loop thread, and the output thread. Validation happens here, on the caller's thread,
 * so a bad request fails at once and never reaches the loop.
 */
public final class EngineRuntime {
    private final EngineSpec spec;
    private final MpscArrayQueue<RequestState> incoming;
    private final EngineLoop loop;
    private final OutputThread output;
    private final Thread loopThread;
    private final EngineMetrics metrics = new EngineMetrics();
    private final AtomicLong arrivals = new AtomicLong();
    /** Submits between their {@code accepting} check and their offer; shutdown waits for them (see there). */
    private final AtomicInteger submitting = new AtomicInteger();
    private volatile boolean accepting = true;

    private EngineRuntime(StepExecutor executor, EngineSpec spec, EngineConfig config, BlockManager blocks) {
        this.spec = spec;
        metrics.rates().capacity(config.maxNumSeqs());
        incoming = new MpscArrayQueue<>(config.maxQueuedRequests());
        output = new OutputThread("ferry-output-" + spec.name());
        loop = new EngineLoop(incoming, executor,
                new Scheduler(config.maxNumSeqs(), config.maxNumBatchedTokens(), new KvManager(blocks)), output, metrics,
                spec.eosTokenIds(), spec.maxModelLen());
        int nice = config.computeNice();
        loopThread = new Thread(() -> {
            ComputePriority.lowerCurrentThread(nice); // before the first op creates the compute workers
            loop.run();
        }, "ferry-engine-" + spec.name());
        loopThread.setDaemon(true);
        loop.attach(loopThread);
    }

    public static EngineRuntime start(StepExecutor executor, EngineSpec spec, EngineConfig config, BlockManager blocks) {
        EngineRuntime rt = new EngineRuntime(executor, spec, config, blocks);
        rt.output.start();
        rt.loopThread.start();
        return rt;
    }

    public RequestHandle submit(GenerateRequest request, TokenSink sink) {
        submitting.incrementAndGet();
        try {
            return offer(request, sink);
        } finally {
            submitting.decrementAndGet();
        }
    }

    private RequestHandle offer(GenerateRequest request, TokenSink sink) {
        if (!accepting) {
            throw new IllegalStateException("engine " + spec.name() + " is shutting down");
        }
        if (loop.failure() != null) {
            throw new IllegalStateException("engine " + spec.name() + " stopped after an internal error: " + loop.failure());
        }
        validate(request);
        long arrival = arrivals.incrementAndGet();
        Sequence seq = new Sequence(arrival, request.priority(), arrival, request.promptIds());
        OutputProcessor out = new OutputProcessor(sink, spec.tokenizer(), request.stop(), request.promptIds().length);
        RequestState r = new RequestState(request, seq, out, System.nanoTime(), loop::wake);
        if (!incoming.offer(r)) {
            throw new EngineOverloadedException("engine " + spec.name() + ": request queue is full ("
                    + incoming.capacity() + " waiting)");
        }
        loop.wake();
        return r;
    }

    /**
     * What only the engine knows to check: token ids against its vocabulary and the prompt against
     * its context. A safety net for direct engine users; the server checks the same before submitting.
     */
    private void validate(GenerateRequest r) {
        int[] prompt = r.promptIds();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= spec.vocabSize()) {
                throw new dev.ferry.engine.api.InvalidRequestException("prompt_ids", "prompt_ids[" + i + "] = "
                        + prompt[i] + " is outside the vocabulary (0.." + (spec.vocabSize() - 1) + ")");
            }
        }
        if (prompt.length >= spec.maxModelLen()) {
            throw new dev.ferry.engine.api.InvalidRequestException("prompt", "prompt has " + prompt.length
                    + " tokens; the model's context is " + spec.maxModelLen()
                    + " (prompt plus at least one generated token)");
        }
        for (int id : r.stopTokenIds()) {
            if (id < 0 || id >= spec.vocabSize()) {
                throw new dev.ferry.engine.api.InvalidRequestException("stop_token_ids", "stop_token_ids: " + id
                        + " is outside the vocabulary");
            }
        }
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    public void shutdown(Duration drain) {
        accepting = false;
        // A submit that passed its check before the flag flipped may not have queued its request yet; if the
        // loop closed first it could exit with that request never taken, and its sink would never get a finish.
        while (submitting.get() > 0) {
            Thread.onSpinWait();
        }
        loop.close(System.nanoTime() + drain.toNanos());
        try {
            loopThread.join();
            output.stopAfterDrain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
