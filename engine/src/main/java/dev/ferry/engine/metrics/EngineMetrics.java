package dev.ferry.engine.metrics;

import dev.ferry.engine.api.FinishReason;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one engine loop measures. Latencies and batch sizes are HdrHistograms recorded by the loop
 * (a {@link Recorder} per quantity, so recording never blocks the loop) and accumulated on read;
 * counters and gauges are plain atomics. Read from any thread with {@link #snapshot()}.
 */
public final class EngineMetrics {
    /** The recorded distributions, in microseconds unless named otherwise. */
    public enum Dist {
        /** Submit to first token sampled. */
        TTFT_US,
        /** Between consecutive tokens of one sequence. */
        INTER_TOKEN_US,
        /** Submit to first scheduled. */
        QUEUE_WAIT_US,
        /** Submit to finish. */
        E2E_US,
        /** One loop iteration that ran a step. */
        STEP_US,
        /** Tokens in a step. */
        BATCH_TOKENS,
        /** Sequences in a step. */
        BATCH_SEQS,
        /**
         * Structured-output work of one constrained sequence in one step: finding its allowed
         * tokens (a cache lookup, or a walk of the vocabulary the first time its state is seen)
         * and moving its format past the sampled token.
         */
        FORMAT_US
    }

    private final Map<Dist, Recorder> recorders = new EnumMap<>(Dist.class);
    private final Map<Dist, Histogram> accumulated = new EnumMap<>(Dist.class);
    /**
     * What was recorded since each reader's last {@link #moveInterval} of each distribution it watches that way
     * (the SLO and the anomaly monitors: a reader is a monitor, so there are a few at most).
     */
    private final Map<Dist, Map<Object, Histogram>> sinceInterval = new EnumMap<>(Dist.class);
    private final Map<FinishReason, LongAdder> finished = new EnumMap<>(FinishReason.class);
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder preemptions = new LongAdder();
    private final StepRates rates = new StepRates();
    private volatile long prefixQueriedTokens;
    private volatile long prefixHitTokens;
    private volatile int running;
    private volatile int waiting;
    private volatile int kvBlocksUsed;
    private volatile int kvBlocksTotal;

    public EngineMetrics() {
        for (Dist d : Dist.values()) {
            recorders.put(d, new Recorder(3));
            accumulated.put(d, new Histogram(3));
        }
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, new LongAdder());
        }
    }

    public void record(Dist d, long value) {
        recorders.get(d).recordValue(Math.max(0, value));
    }

    public void finished(FinishReason reason, int prompt, int completion) {
        finished.get(reason).increment();
        promptTokens.add(prompt);
        completionTokens.add(completion);
    }

    /** Requests that ended for {@code reason} so far. */
    public long finishedCount(FinishReason reason) {
        return finished.get(reason).sum();
    }

    /** Requests waiting to be scheduled, as the loop last set it. */
    public int waiting() {
        return waiting;
    }

    /** The loop's recent prefill speed and decode step time (admission estimates waits from them). */
    public StepRates rates() {
        return rates;
    }

    public void preempted(int n) {
        preemptions.add(n);
    }

    public void gauges(int running, int waiting, int kvUsed, int kvTotal, long prefixQueried, long prefixHit) {
        this.running = running;
        rates.running(running);
        this.waiting = waiting;
        this.kvBlocksUsed = kvUsed;
        this.kvBlocksTotal = kvTotal;
        this.prefixQueriedTokens = prefixQueried;
        this.prefixHitTokens = prefixHit;
    }

    /** Everything recorded so far. */
    public record Snapshot(Map<Dist, Histogram> histograms, Map<FinishReason, Long> finished, long promptTokens,
                           long completionTokens, long preemptions, long prefixQueriedTokens, long prefixHitTokens,
                           int running, int waiting, int kvBlocksUsed, int kvBlocksTotal) {

        public Histogram histogram(Dist d) {
            return histograms.get(d);
        }

        /** Fraction of looked-up prompt tokens found in the prefix cache. */
        public double prefixHitRatio() {
            return prefixQueriedTokens == 0 ? 0 : (double) prefixHitTokens / prefixQueriedTokens;
        }

        /** The replicas of one model as one: distributions merged, counts and gauges added. */
        public static Snapshot sum(List<Snapshot> parts) {
            if (parts.size() == 1) {
                return parts.get(0);
            }
            Map<Dist, Histogram> histograms = new EnumMap<>(Dist.class);
            for (Dist d : Dist.values()) {
                Histogram h = new Histogram(3);
                parts.forEach(p -> h.add(p.histogram(d)));
                histograms.put(d, h);
            }
            Map<FinishReason, Long> finished = new EnumMap<>(FinishReason.class);
            parts.forEach(p -> p.finished().forEach((r, n) -> finished.merge(r, n, Long::sum)));
            return new Snapshot(histograms, finished, add(parts, Snapshot::promptTokens),
                    add(parts, Snapshot::completionTokens), add(parts, Snapshot::preemptions),
                    add(parts, Snapshot::prefixQueriedTokens), add(parts, Snapshot::prefixHitTokens),
                    (int) add(parts, Snapshot::running), (int) add(parts, Snapshot::waiting),
                    (int) add(parts, Snapshot::kvBlocksUsed), (int) add(parts, Snapshot::kvBlocksTotal));
        }

        private static long add(List<Snapshot> parts, ToLongFunction<Snapshot> figure) {
            return parts.stream().mapToLong(figure).sum();
        }
    }

    public synchronized Snapshot snapshot() {
        drainRecorders();
        Map<Dist, Histogram> copies = new EnumMap<>(Dist.class);
        for (Dist d : Dist.values()) {
            copies.put(d, accumulated.get(d).copy());
        }
        Map<FinishReason, Long> counts = new EnumMap<>(FinishReason.class);
        finished.forEach((r, a) -> counts.put(r, a.sum()));
        return new Snapshot(copies, counts, promptTokens.sum(), completionTokens.sum(), preemptions.sum(),
                prefixQueriedTokens, prefixHitTokens, running, waiting, kvBlocksUsed, kvBlocksTotal);
    }

    /**
     * Adds what was recorded of {@code d} since {@code reader}'s previous call into {@code into}, for a
     * reader that keeps its own windows (the SLO monitor, the anomaly monitor); its first call moves
     * everything so far. Readers do not take from each other.
     */
    public synchronized void moveInterval(Object reader, Dist d, Histogram into) {
        drain(d); // only the one asked for: a monitor ticking every second need not flip every recorder
        Histogram since = sinceInterval.computeIfAbsent(d, k -> new IdentityHashMap<>())
                .computeIfAbsent(reader, r -> accumulated.get(d).copy());
        into.add(since);
        since.reset();
    }

    /** Moves what the loop recorded into the accumulated histograms and the watched intervals. */
    private void drainRecorders() {
        for (Dist d : Dist.values()) {
            drain(d);
        }
    }

    private void drain(Dist d) {
        Histogram interval = recorders.get(d).getIntervalHistogram();
        accumulated.get(d).add(interval);
        Map<Object, Histogram> readers = sinceInterval.get(d);
        if (readers != null) {
            readers.values().forEach(since -> since.add(interval));
        }
    }
}
