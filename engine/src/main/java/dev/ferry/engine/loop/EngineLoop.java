package dev.ferry.engine.loop;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.engine.model.ForwardBatch;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.Scheduled;
import dev.ferry.engine.sched.Scheduler;
import dev.ferry.engine.sched.Sequence;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous-batching loop of one model instance, on one thread that is the single writer of
 * the model's KV pool and sequences. Each iteration: take new requests, retire cancelled, stopped
 * and expired ones, schedule (decodes first, then prefill chunks, preempting when the pool is
 * full), run one flattened forward and sample, hand the tokens to the output thread, retire
 * finished sequences. With nothing to do it parks; a submit unparks it.
 */
final class EngineLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);

    private final MpscArrayQueue<RequestState> incoming;
    /** Sequences holding KV blocks, in admission order, and those waiting for them: the scheduler's view. */
    private final List<Sequence> running = new ArrayList<>();
    private final PriorityQueue<Sequence> waiting = new PriorityQueue<>(Scheduler.WAITING_ORDER);
    private final Map<Sequence, RequestState> requests = new IdentityHashMap<>();
    private final StepExecutor executor;
    private final BlockManager blocks;
    private final Scheduler scheduler;
    private final OutputThread output;
    private final EngineMetrics metrics;
    private final Set<Integer> eosIds;
    private final int maxModelLen;
    private Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closing;
    private volatile long drainDeadline;
    private volatile String failure;

    EngineLoop(MpscArrayQueue<RequestState> incoming, StepExecutor executor, BlockManager blocks, Scheduler scheduler,
               OutputThread output, EngineMetrics metrics, Set<Integer> eosIds, int maxModelLen) {
        this.incoming = incoming;
        this.executor = executor;
        this.blocks = blocks;
        this.scheduler = scheduler;
        this.output = output;
        this.metrics = metrics;
        this.eosIds = eosIds;
        this.maxModelLen = maxModelLen;
    }

    void attach(Thread t) {
        thread = t;
    }

    /** Wakes the loop if it is parked; cheap when it is not. */
    void wake() {
        if (sleeping) {
            LockSupport.unpark(thread);
        }
    }

    /** Stops taking new work; requests still in flight finish until {@code deadlineNanos}, then end with ERROR. */
    void close(long deadlineNanos) {
        drainDeadline = deadlineNanos;
        closing = true;
        LockSupport.unpark(thread);
    }

    @Override
    public void run() {
        try {
            while (true) {
                takeIncoming();
                retireFlagged();
                output.wake(); // retirements publish finishes too
                if (running.isEmpty() && waiting.isEmpty()) {
                    updateGauges();
                    if (closing) {
                        return;
                    }
                    park();
                    continue;
                }
                step();
            }
        } catch (Throwable t) {
            // The loop's state may be inconsistent now: end every request without touching it, and stop.
            LOG.error("engine loop failed; failing every request in flight and refusing new ones", t);
            failure = t.toString();
            failAll("engine loop failed: " + t);
        } finally {
            output.wake();
        }
    }

    private void park() {
        sleeping = true;
        if (incoming.isEmpty() && !closing) {
            LockSupport.park(this);
        }
        sleeping = false;
    }

    private void takeIncoming() {
        RequestState r;
        while ((r = incoming.poll()) != null) {
            waiting.add(r.sequence);
            requests.put(r.sequence, r);
        }
    }

    /** Cancellation, stop strings (from the output thread), deadlines and a shutdown past its drain time. */
    private void retireFlagged() {
        long now = System.nanoTime();
        boolean drainOver = closing && now - drainDeadline > 0;
        retireFlagged(running.iterator(), now, drainOver);
        if (!waiting.isEmpty()) {
            retireFlagged(waiting.iterator(), now, drainOver);
        }
    }

    private void retireFlagged(Iterator<Sequence> it, long now, boolean drainOver) {
        while (it.hasNext()) {
            RequestState r = requests.get(it.next());
            FinishReason reason = flagged(r, now, drainOver);
            if (reason != null) {
                it.remove();
                finish(r, reason, reason == FinishReason.UNAVAILABLE ? "engine shut down before the request finished" : null);
            }
        }
    }

    private static FinishReason flagged(RequestState r, long now, boolean drainOver) {
        if (r.cancelled) {
            return FinishReason.CANCELLED;
        }
        if (r.stopRequested) {
            return FinishReason.STOP;
        }
        if (r.pastDeadline(now)) {
            return FinishReason.DEADLINE;
        }
        return drainOver ? FinishReason.UNAVAILABLE : null;
    }

    private void step() {
        long t0 = System.nanoTime();
        Scheduler.Plan plan = scheduler.schedule(running, waiting);
        if (!plan.preempted().isEmpty()) {
            metrics.preempted(plan.preempted().size());
        }
        if (plan.isEmpty()) {
            failUnschedulable();
            return;
        }
        BatchBuilder batch = new BatchBuilder(blocks.blockSize());
        List<SamplingParams> params = new ArrayList<>();
        List<TokenHistory> histories = new ArrayList<>();
        List<RequestState> sampled = new ArrayList<>();
        int[] positions = new int[plan.scheduled().size()];
        int prefillTokens = 0;
        for (Scheduled s : plan.scheduled()) {
            Sequence seq = s.sequence();
            if (seq.numComputed() < seq.promptLength()) {
                prefillTokens += s.numTokens();
            }
            RequestState r = requests.get(seq);
            if (!r.scheduledOnce) {
                r.scheduledOnce = true;
                r.cachedPromptTokens = seq.numComputed();
                metrics.record(Dist.QUEUE_WAIT_US, (t0 - r.submitNanos) / 1000);
            }
            batch.add(seq, s.numTokens());
            if (seq.numComputed() + s.numTokens() == seq.length()) {
                positions[sampled.size()] = seq.length();
                params.add(r.request.sampling());
                histories.add(r.history);
                sampled.add(r);
            }
        }
        ForwardBatch fb = batch.build();
        SampleResult result;
        try {
            result = executor.execute(fb, params, java.util.Arrays.copyOf(positions, params.size()), histories);
        } catch (RuntimeException e) {
            LOG.error("step of {} tokens failed", fb.numTokens(), e);
            for (Scheduled s : plan.scheduled()) {
                retire(requests.get(s.sequence()), FinishReason.ERROR, "step failed: " + e.getMessage());
            }
            return;
        }
        long now = System.nanoTime();
        for (Scheduled s : plan.scheduled()) {
            Sequence seq = s.sequence();
            seq.markComputed(s.numTokens());
            seq.setKeyedBlocks(blocks.commitFullBlocks(seq.blockTable(), seq.tokenArray(), seq.numComputed(),
                    seq.keys(seq.blockTable().length), seq.keyedBlocks()));
        }
        for (int i = 0; i < sampled.size(); i++) {
            accept(sampled.get(i), result, i, now);
        }
        output.wake();
        long stepNanos = System.nanoTime() - t0;
        metrics.record(Dist.STEP_US, stepNanos / 1000);
        metrics.rates().record(prefillTokens, stepNanos);
        metrics.record(Dist.BATCH_TOKENS, fb.numTokens());
        metrics.record(Dist.BATCH_SEQS, plan.scheduled().size());
        updateGauges();
    }

    private void updateGauges() {
        metrics.gauges(running.size(), waiting.size(), blocks.numUsed(), blocks.numBlocks(), blocks.queriedTokens(),
                blocks.hitTokens());
    }

    /** A sampled token: record it, stream it, and retire the sequence if it is done. */
    private void accept(RequestState r, SampleResult result, int row, long now) {
        Sequence seq = r.sequence;
        int token = result.tokens()[row];
        seq.append(token);
        if (r.history != null) {
            r.history.addOutput(token);
        }
        if (seq.numGenerated() == 1) {
            metrics.record(Dist.TTFT_US, (now - r.submitNanos) / 1000);
        } else {
            metrics.record(Dist.INTER_TOKEN_US, (now - r.lastTokenNanos) / 1000);
        }
        r.lastTokenNanos = now;
        boolean withLogprobs = r.request.sampling().logprobs() >= 0;
        output.publish(OutputEvent.token(r, token, withLogprobs ? result.logprobs()[row] : Float.NaN,
                withLogprobs ? result.topTokenIds()[row] : null, withLogprobs ? result.topLogprobs()[row] : null));
        FinishReason reason = null;
        if ((!r.request.ignoreEos() && eosIds.contains(token)) || r.request.stopTokenIds().contains(token)) {
            reason = FinishReason.STOP;
        } else if (seq.numGenerated() >= r.request.maxTokens() || seq.length() >= maxModelLen) {
            reason = FinishReason.LENGTH;
        }
        if (reason != null) {
            retire(r, reason, null);
        }
    }

    private void retire(RequestState r, FinishReason reason, String error) {
        if (!running.remove(r.sequence)) {
            waiting.remove(r.sequence);
        }
        finish(r, reason, error);
    }

    /** Frees the request's blocks (full ones stay cached) and publishes its one finish. */
    private void finish(RequestState r, FinishReason reason, String error) {
        Sequence seq = r.sequence;
        blocks.release(seq.blockTable());
        seq.resetComputed();
        requests.remove(seq);
        metrics.finished(reason, seq.promptLength(), seq.numGenerated());
        metrics.rates().completed();
        metrics.record(Dist.E2E_US, (System.nanoTime() - r.submitNanos) / 1000);
        output.publish(OutputEvent.finish(r, reason, error));
    }

    /** Nothing fits although the pool is as free as it gets: the head request can never run. */
    private void failUnschedulable() {
        if (running.isEmpty() && !waiting.isEmpty()) {
            RequestState head = requests.get(waiting.peek());
            retire(head, FinishReason.ERROR, "prompt of " + head.sequence.length()
                    + " tokens does not fit in the KV cache of " + blocks.numBlocks() * blocks.blockSize() + " tokens");
        }
        output.wake();
    }

    private void failAll(String message) {
        for (RequestState r : requests.values()) {
            output.publish(OutputEvent.finish(r, FinishReason.ERROR, message));
        }
        requests.clear();
        RequestState r;
        while ((r = incoming.poll()) != null) {
            output.publish(OutputEvent.finish(r, FinishReason.ERROR, message));
        }
    }

    /** Why the loop stopped, or null while it runs. */
    String failure() {
        return failure;
    }
}
