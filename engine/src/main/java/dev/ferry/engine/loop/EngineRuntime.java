package dev.ferry.engine.loop;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.ModelLimits;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.ScoreRequest;
import dev.ferry.engine.api.Scores;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.platform.ComputePriority;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Scheduler;
import dev.ferry.engine.sched.Sequence;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
    private final ModelLimits limits;
    private final MpscArrayQueue<RequestGroup> incoming;
    private final EngineLoop loop;
    private final OutputThread output;
    private final Thread loopThread;
    private final EngineMetrics metrics = new EngineMetrics();
    private final AtomicLong arrivals = new AtomicLong();
    /** Submits between their {@code accepting} check and their offer; shutdown waits for them (see there). */
    private final AtomicInteger submitting = new AtomicInteger();
    private volatile boolean accepting = true;
    /** Counted down when the loop thread has warmed up (or skipped it) and runs the loop, or failed to warm up. */
    private final CountDownLatch warm = new CountDownLatch(1);
    private volatile RuntimeException warmUpFailure;

    private EngineRuntime(StepExecutor executor, EngineSpec spec, EngineConfig config, KvManager kv) {
        this.spec = spec;
        this.limits = spec.limits();
        metrics.rates().capacity(config.maxNumSeqs());
        incoming = new MpscArrayQueue<>(config.maxQueuedRequests());
        output = new OutputThread("ferry-output-" + spec.name());
        loop = new EngineLoop(incoming, executor,
                new Scheduler(config.maxNumSeqs(), config.maxNumBatchedTokens(), kv), output, metrics,
                spec.eosTokenIds(), spec.maxModelLen(), spec.name());
        int nice = config.computeNice();
        loopThread = new Thread(() -> {
            ComputePriority.lowerCurrentThread(nice); // before the first op creates the compute workers
            if (config.warmUp()) {
                try {
                    WarmUp.run(executor, spec, config); // here: the OpenMP team it starts is this thread's
                } catch (RuntimeException e) {
                    warmUpFailure = e;
                    return;
                } finally {
                    warm.countDown();
                }
            } else {
                warm.countDown();
            }
            loop.run();
        }, "ferry-engine-" + spec.name());
        loopThread.setDaemon(true);
        loop.attach(loopThread);
    }

    /** Starts the threads; with {@link EngineConfig#warmUp()} returns once the warm-up steps have run. */
    public static EngineRuntime start(StepExecutor executor, EngineSpec spec, EngineConfig config, KvManager kv) {
        EngineRuntime rt = new EngineRuntime(executor, spec, config, kv);
        rt.output.start();
        rt.loopThread.start();
        rt.awaitWarm();
        return rt;
    }

    /** Waits out the warm-up (bounded: seconds), keeping an interrupt for the caller; fails if a warm-up step failed. */
    private void awaitWarm() {
        boolean interrupted = false;
        while (true) {
            try {
                warm.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (warmUpFailure != null) {
            try {
                output.stopAfterDrain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("engine " + spec.name() + ": a warm-up step failed: " + warmUpFailure,
                    warmUpFailure);
        }
    }

    /**
     * Queues {@code request} with one choice per sink (see {@link dev.ferry.engine.Engine#submit(GenerateRequest,
     * List)}); the handle cancels them all.
     */
    public RequestHandle submit(GenerateRequest request, List<? extends TokenSink> choices) {
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a request needs at least one choice");
        }
        submitting.incrementAndGet();
        try {
            return offer(request, choices);
        } finally {
            submitting.decrementAndGet();
        }
    }

    private RequestHandle offer(GenerateRequest request, List<? extends TokenSink> choices) {
        checkRunning();
        validate(request);
        long now = System.nanoTime();
        RequestGroup group = new RequestGroup(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            long arrival = arrivals.incrementAndGet();
            Sequence seq = new Sequence(arrival, request.priority(), arrival, request.promptIds());
            OutputProcessor out = new OutputProcessor(choices.get(i), spec.tokenizer(), request.stop(),
                    request.promptIds().length);
            GenerateRequest choice = request.withSampling(request.sampling().forChoice(i));
            group.add(new RequestState(choice, group, seq, out, now, loop::wake, null));
        }
        return enqueue(group);
    }

    /**
     * Queues a teacher-forced scoring run (see {@link dev.ferry.engine.Engine#score}): one sequence of the
     * prompt and the continuation short of its last token, whose last {@code continuation} tokens' logits
     * are wanted, at {@link Priority#BATCH}. It ends with STOP once its prefill has run.
     */
    public CompletableFuture<Scores> score(ScoreRequest request) {
        submitting.incrementAndGet();
        try {
            checkRunning();
            limits.checkTokenIds(request.promptIds(), "prompt_ids");
            limits.checkTokenIds(request.continuationIds(), "continuation_ids");
            int[] computed = request.computedIds();
            limits.checkPromptLength(computed.length, "prompt and continuation");
            Scoring scoring = new Scoring(request.continuationIds());
            GenerateRequest asGeneration = new GenerateRequest(request.requestId(), computed, 1,
                    SamplingParams.greedy().withLogprobs(0), List.of(), List.of(), false, Priority.BATCH,
                    request.deadlineNanos(), null);
            long arrival = arrivals.incrementAndGet();
            Sequence seq = new Sequence(arrival, Priority.BATCH, arrival, computed, scoring.length());
            RequestGroup group = new RequestGroup(1);
            group.add(new RequestState(asGeneration, group, seq,
                    new OutputProcessor(scoring, spec.tokenizer(), List.of(), computed.length), System.nanoTime(),
                    loop::wake, scoring));
            enqueue(group);
            return scoring.result();
        } finally {
            submitting.decrementAndGet();
        }
    }

    private void checkRunning() {
        if (!accepting) {
            throw new IllegalStateException("engine " + spec.name() + " is shutting down");
        }
        if (loop.failure() != null) {
            throw new IllegalStateException("engine " + spec.name() + " stopped after an internal error: " + loop.failure());
        }
    }

    private RequestHandle enqueue(RequestGroup group) {
        if (!incoming.offer(group)) {
            throw new EngineOverloadedException("engine " + spec.name() + ": request queue is full ("
                    + incoming.capacity() + " waiting)");
        }
        loop.wake();
        return group;
    }

    /**
     * A request must fit the model. The server makes the same {@link ModelLimits} checks before it
     * opens a request's stream; here they guard every other caller of the engine.
     */
    private void validate(GenerateRequest r) {
        limits.checkTokenIds(r.promptIds(), "prompt_ids");
        limits.checkPromptLength(r.promptIds().length, "prompt");
        limits.checkStopTokenIds(r.stopTokenIds());
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
