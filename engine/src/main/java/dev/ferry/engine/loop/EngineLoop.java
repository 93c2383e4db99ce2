package dev.ferry.engine.loop;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.Scheduled;
import dev.ferry.engine.sched.Scheduler;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.engine.step.ForwardBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous-batching loop of one model instance, on one thread: the only caller of its
 * {@link Scheduler}, which owns the sequences, their queues and their KV blocks. The loop owns the
 * requests around them: the sequence-to-request map, the metrics and the events for the output
 * thread. Each iteration takes new requests, retires cancelled, stopped and expired ones, then runs
 * a step: schedule, execute (one flattened forward and sampling), update the scheduler with what
 * was computed, publish the tokens and retire the sequences they finish. Every retirement goes
 * through {@link Scheduler#finish}, which frees the sequence's blocks. With nothing to do the loop
 * parks; a submit unparks it.
 */
final class EngineLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);
    /** The longest a batch step waits for other engines' interactive work to end: one step at least this often. */
    static final long MAX_DEFER_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How often a held-back batch step looks again; cheap beside the steps it waits for. */
    private static final long DEFER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final MpscArrayQueue<RequestGroup> incoming;
    private final Map<Sequence, RequestState> requests = new IdentityHashMap<>();
    private final StepExecutor executor;
    /** Where steps of batch work only run, at the lowest CPU priority; null for an engine on a GPU. */
    private final BatchLane batchLane;
    /** This engine's part in the count of engines on the host's cores with interactive work; null on a GPU. */
    private final InteractiveWork.Share interactiveShare;
    /** Interactive requests (not batch priority, not scoring runs) this loop holds. */
    private int interactive;
    /** When the loop began holding back its batch step for another engine's interactive work; 0 when it is not. */
    private long deferringSince;
    private final Scheduler scheduler;
    private final OutputThread output;
    private final EngineMetrics metrics;
    private final Set<Integer> eosIds;
    private final int maxModelLen;
    private final TokenMasks masks = new TokenMasks();
    private Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closing;
    private volatile long drainDeadline;
    private volatile String failure;

    EngineLoop(MpscArrayQueue<RequestGroup> incoming, StepExecutor executor, Scheduler scheduler,
               OutputThread output, EngineMetrics metrics, Set<Integer> eosIds, int maxModelLen, String name) {
        this.incoming = incoming;
        this.executor = executor;
        this.batchLane = executor.computesOnHost() ? new BatchLane(name) : null;
        this.interactiveShare = batchLane != null ? new InteractiveWork.Share() : null;
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
                if (interactiveShare != null) {
                    interactiveShare.hold(interactive > 0);
                }
                if (!scheduler.hasUnfinished()) {
                    updateGauges();
                    if (closing) {
                        return;
                    }
                    park();
                    continue;
                }
                if (deferBatchStep()) {
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
            if (batchLane != null) {
                interactiveShare.hold(false);
                batchLane.close();
            }
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

    /**
     * Holds back a step of this engine's batch work while another engine on the host's cores has
     * interactive work, for at most {@link #MAX_DEFER_NANOS} at a time so that batch work still moves under
     * a steady interactive load; waits a moment (or until a submit) and returns true when it does. A
     * submit ends the wait, so this engine's own interactive requests are never held.
     */
    private boolean deferBatchStep() {
        if (interactiveShare == null || interactive > 0 || closing || !interactiveShare.othersHold()) {
            deferringSince = 0;
            return false;
        }
        long now = System.nanoTime();
        if (deferringSince == 0) {
            deferringSince = now;
        } else if (now - deferringSince > MAX_DEFER_NANOS) {
            deferringSince = 0;
            return false;
        }
        sleeping = true;
        if (incoming.isEmpty()) {
            LockSupport.parkNanos(this, DEFER_POLL_NANOS);
        }
        sleeping = false;
        return true;
    }

    private void takeIncoming() {
        RequestGroup g;
        while ((g = incoming.poll()) != null) {
            List<Sequence> choices = new ArrayList<>(g.choices().size());
            for (RequestState r : g.choices()) {
                choices.add(r.sequence);
                requests.put(r.sequence, r);
                interactive += isInteractive(r) ? 1 : 0;
            }
            scheduler.add(choices);
        }
    }

    /** Cancellation, stop strings (from the output thread), deadlines and a shutdown past its drain time. */
    private void retireFlagged() {
        long now = System.nanoTime();
        boolean drainOver = closing && now - drainDeadline > 0;
        List<RequestState> flagged = null; // allocated only in an iteration that retires something
        for (RequestState r : requests.values()) {
            if (flagged(r, now, drainOver) != null) {
                flagged = flagged == null ? new ArrayList<>() : flagged;
                flagged.add(r);
            }
        }
        if (flagged != null) {
            for (RequestState r : flagged) {
                FinishReason reason = flagged(r, now, drainOver);
                retire(r, reason, reason == FinishReason.UNAVAILABLE ? "engine shut down before the request finished" : null);
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

    /** One iteration: schedule, execute, update, publish. */
    private void step() {
        long t0 = System.nanoTime();
        Scheduler.Plan plan = scheduler.schedule();
        if (!plan.preempted().isEmpty()) {
            metrics.preempted(plan.preempted().size());
        }
        if (plan.isEmpty()) {
            failUnschedulable();
            return;
        }
        Executed executed = execute(plan, t0);
        if (executed == null) {
            return; // the step failed and its sequences are retired
        }
        scheduler.update(plan);
        publish(executed);
        recordStep(plan, executed, t0);
    }

    /**
     * What a step ran: the request of each logit row (in row order), the samples, each row's index in its
     * scoring run's continuation (-1 for a sampled row; null when the step scores nothing), the scoring runs
     * it completes, and its token counts.
     */
    private record Executed(List<RequestState> rows, SampleResult result, int[] scoredAt, List<RequestState> scored,
                            int numTokens, int prefillTokens) {}

    /**
     * Runs the plan's forward and samples its logit rows: the sequences whose known tokens it completes,
     * and the scored positions of scoring runs. Returns null when the step failed; its sequences are
     * retired with ERROR then.
     */
    private Executed execute(Scheduler.Plan plan, long t0) {
        BatchBuilder batch = new BatchBuilder(scheduler.blockSize());
        int numRows = 0;
        boolean scoring = false;
        for (Scheduled s : plan.scheduled()) {
            numRows += s.sequence().logitRows(s.numTokens());
            scoring |= requests.get(s.sequence()).scoring != null;
        }
        List<SamplingParams> params = new ArrayList<>(numRows);
        List<TokenHistory> histories = new ArrayList<>(numRows);
        List<RequestState> rows = new ArrayList<>(numRows);
        int[] positions = new int[numRows];
        int[] scoredTokens = scoring ? new int[numRows] : null;
        int[] scoredAt = scoring ? new int[numRows] : null;
        List<RequestState> scored = scoring ? new ArrayList<>() : List.of();
        int prefillTokens = 0;
        boolean batchOnly = true;
        masks.clear();
        for (Scheduled s : plan.scheduled()) {
            Sequence seq = s.sequence();
            batchOnly &= seq.priority() == Priority.BATCH;
            if (seq.numComputed() < seq.promptLength()) {
                prefillTokens += s.numTokens();
            }
            RequestState r = requests.get(seq);
            if (!r.scheduledOnce) {
                r.scheduledOnce = true;
                r.cachedPromptTokens = seq.numComputed();
                if (r.scoring == null) {
                    metrics.record(Dist.QUEUE_WAIT_US, (t0 - r.submitNanos) / 1000);
                }
            }
            batch.add(seq, s.numTokens());
            int end = seq.numComputed() + s.numTokens();
            int first = rows.size();
            for (int k = seq.logitRows(s.numTokens()); k > 0; k--) {
                int row = rows.size();
                positions[row] = end - k + 1; // the position of the token these logits predict
                if (scoring) {
                    // a scoring run's rows predict its continuation, whose index 0 follows the tail's first position
                    scoredAt[row] = r.scoring == null ? -1 : end - k - (seq.length() - seq.logitTail());
                    scoredTokens[row] = r.scoring == null ? -1 : r.scoring.target(scoredAt[row]);
                }
                params.add(r.request.sampling());
                histories.add(r.history);
                rows.add(r);
            }
            if (r.scoring != null && end == seq.length()) {
                scored.add(r);
            } else if (rows.size() > first) {
                long[] mask = mask(r);
                if (mask != null) {
                    masks.add(first, mask);
                }
            }
        }
        ForwardBatch fb = batch.build();
        try {
            SampleResult result = batchOnly && batchLane != null
                    ? batchLane.run(() -> executor.execute(fb, params, positions, histories, masks, scoredTokens))
                    : executor.execute(fb, params, positions, histories, masks, scoredTokens);
            return new Executed(rows, result, scoredAt, scored, fb.numTokens(), prefillTokens);
        } catch (RuntimeException e) {
            LOG.error("step of {} tokens failed", fb.numTokens(), e);
            for (Scheduled s : plan.scheduled()) {
                retire(requests.get(s.sequence()), FinishReason.ERROR, "step failed: " + e.getMessage());
            }
            return null;
        }
    }

    /**
     * Hands the sampled tokens to their streams and the scored rows to their runs, retiring the sequences
     * they finish and the scoring runs the step completed.
     */
    private void publish(Executed executed) {
        long now = System.nanoTime();
        SampleResult result = executed.result();
        for (int i = 0; i < executed.rows().size(); i++) {
            RequestState r = executed.rows().get(i);
            if (r.scoring == null) {
                accept(r, result, i, now);
            } else {
                r.scoring.record(executed.scoredAt()[i], result.tokens()[i], result.logprobs()[i]);
            }
        }
        for (RequestState r : executed.scored()) {
            retire(r, FinishReason.STOP, null);
        }
        output.wake();
    }

    private void recordStep(Scheduler.Plan plan, Executed executed, long t0) {
        long stepNanos = System.nanoTime() - t0;
        metrics.record(Dist.STEP_US, stepNanos / 1000);
        metrics.rates().record(executed.prefillTokens(), stepNanos);
        metrics.record(Dist.BATCH_TOKENS, executed.numTokens());
        metrics.record(Dist.BATCH_SEQS, plan.scheduled().size());
        updateGauges();
    }

    private void updateGauges() {
        Scheduler.Stats s = scheduler.stats();
        metrics.gauges(s.running(), s.waiting(), s.kvBlocksUsed(), s.kvBlocksTotal(), s.prefixQueriedTokens(),
                s.prefixHitTokens());
    }

    /**
     * What the request's next token may be, as a bitset over token ids, or null when it is free: the
     * thinking's forced close, the output format's allowed tokens once the answer has begun (or, on
     * the first token, those and the opening of thinking).
     */
    private long[] mask(RequestState r) {
        if (r.thinking != null && !r.thinking.answering()) {
            return r.format == null ? r.thinking.forcedToken() : r.thinking.maskBeforeFormat(formatMask(r));
        }
        return r.format == null ? null : formatMask(r);
    }

    private long[] formatMask(RequestState r) {
        long start = System.nanoTime();
        long[] allowed = r.format.allowedTokens();
        r.formatNanos = System.nanoTime() - start;
        return allowed;
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
        boolean thought = r.thinking != null && r.thinking.accept(token);
        output.publish(OutputEvent.token(r, token, withLogprobs ? result.logprobs()[row] : Float.NaN,
                withLogprobs ? result.topTokenIds()[row] : null, withLogprobs ? result.topLogprobs()[row] : null,
                thought));
        FinishReason reason = null;
        boolean eos = eosIds.contains(token);
        // an output format shapes the answer only: the thinking before it, markers included, is free
        boolean formatted = r.format != null && !thought && (r.thinking == null || r.thinking.answering());
        if (formatted && !advanceFormat(r, token)) {
            retire(r, FinishReason.ERROR, "token " + token + " was sampled outside the output format");
            return;
        }
        if ((eos && (!r.request.ignoreEos() || r.format != null)) || r.request.stopTokenIds().contains(token)
                || (formatted && r.format.isComplete())) {
            reason = FinishReason.STOP;
        } else if (seq.numGenerated() >= r.request.maxTokens() || seq.length() >= maxModelLen) {
            reason = FinishReason.LENGTH;
        }
        if (reason != null) {
            retire(r, reason, null);
        }
    }

    /** Moves the request's format past its token; records the format's work for this sequence and step. */
    private boolean advanceFormat(RequestState r, int token) {
        long start = System.nanoTime();
        boolean accepted = r.format.accept(token);
        metrics.record(Dist.FORMAT_US, (r.formatNanos + System.nanoTime() - start) / 1000);
        return accepted;
    }

    /** Takes the request's sequence out of the scheduler, which frees its blocks, and publishes its one finish. */
    private void retire(RequestState r, FinishReason reason, String error) {
        Sequence seq = r.sequence;
        scheduler.finish(seq);
        requests.remove(seq);
        interactive -= isInteractive(r) ? 1 : 0;
        metrics.rates().completed();
        if (r.scoring == null) { // requests' figures (and the SLOs read from them) are the clients' requests'
            metrics.finished(reason, seq.promptLength(), seq.numGenerated());
            metrics.record(Dist.E2E_US, (System.nanoTime() - r.submitNanos) / 1000);
        }
        output.publish(OutputEvent.finish(r, reason, error));
        if (reason != FinishReason.STOP && reason != FinishReason.LENGTH) {
            r.group.cancel(); // the request failed as a whole: its other choices end too
        }
    }

    private static boolean isInteractive(RequestState r) {
        return r.scoring == null && r.sequence.priority() != Priority.BATCH;
    }

    /** Nothing fits although the pool is as free as it gets: the head request can never run. */
    private void failUnschedulable() {
        Sequence head = scheduler.numRunning() == 0 ? scheduler.nextWaiting() : null;
        if (head != null) {
            retire(requests.get(head), FinishReason.ERROR, "prompt of " + head.length() + " tokens does not fit in the KV"
                    + " cache of " + scheduler.stats().kvBlocksTotal() * scheduler.blockSize() + " tokens");
        }
        output.wake();
    }

    private void failAll(String message) {
        for (RequestState r : requests.values()) {
            output.publish(OutputEvent.finish(r, FinishReason.ERROR, message));
        }
        requests.clear();
        interactive = 0;
        RequestGroup g;
        while ((g = incoming.poll()) != null) {
            for (RequestState r : g.choices()) {
                output.publish(OutputEvent.finish(r, FinishReason.ERROR, message));
            }
        }
    }

    /** Why the loop stopped, or null while it runs. */
    String failure() {
        return failure;
    }
}
