package dev.ferry.bench;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.ModelRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The engine section of {@link GpuBenchmark}: the model through the continuous-batching
 * {@link Engine}, N requests submitted at once for each N of the concurrency list (a fresh engine
 * each), then open-loop Poisson arrivals. Every request has a prompt of {@code prompt} random tokens
 * and generates exactly {@code newTokens} (greedy, EOS ignored).
 */
final class GpuEngineSection {
    private final GpuResults results;
    private final ModelRunner runner;
    private final EngineConfig config;
    private final long vocab;
    private final int prompt;
    private final int newTokens;
    private final long timeoutSeconds;

    /** @param timeoutSeconds how long a part waits for its requests to finish */
    GpuEngineSection(GpuResults results, ModelRunner runner, EngineConfig config, long vocab, int prompt, int newTokens,
                     long timeoutSeconds) {
        this.results = results;
        this.runner = runner;
        this.config = config;
        this.vocab = vocab;
        this.prompt = prompt;
        this.newTokens = newTokens;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** A burst for each of {@code concurrency}, then {@code rate} requests/s for {@code duration} seconds if both are positive. */
    void run(int[] concurrency, double rate, double duration) {
        results.put("engine_prompt_tokens", prompt);
        results.put("engine_new_tokens", newTokens);
        results.put("engine_max_num_seqs", config.maxNumSeqs());
        results.put("engine_max_num_batched_tokens", config.maxNumBatchedTokens());
        // Full-size prefill steps and decode steps once, so no timed part pays for first-use costs.
        int warm = Math.min(Math.min(config.maxNumSeqs(), Math.max(GpuBenchmark.max(concurrency), 1)),
                config.maxNumBatchedTokens() / prompt + 1);
        results.part("engine_warmup", () -> burst(warm, 4, 1));
        for (int n : concurrency) {
            results.part("engine_c" + n, () -> concurrency(n));
        }
        if (rate > 0 && duration > 0) {
            results.part("engine_load", () -> load(rate, duration));
        }
    }

    /**
     * {@code n} requests submitted at once: output tokens/s from the first submit to the last finish,
     * and in the window where all {@code n} are decoding (from the last first token to the first
     * finish); TTFT and inter-token latency as the sink sees them; the loop's step times.
     */
    private void concurrency(int n) throws InterruptedException {
        Burst b = burst(n, newTokens, 100L + n);
        String key = "engine_c" + n;
        List<TokenTimeline> t = b.timelines();
        long start = t.stream().mapToLong(x -> x.submitted).min().orElseThrow();
        long end = t.stream().mapToLong(x -> x.finished).max().orElseThrow();
        long tokens = t.stream().mapToLong(x -> x.count).sum();
        results.put(key + "_s", ForwardBenchmark.round3((end - start) / 1e9));
        results.put(key + "_tok_s", ForwardBenchmark.round(tokens / ((end - start) / 1e9)));
        List<TokenTimeline> started = t.stream().filter(x -> x.count > 0).toList();
        if (!started.isEmpty()) {
            long allDecoding = started.stream().mapToLong(TokenTimeline::first).max().orElseThrow();
            long firstDone = started.stream().mapToLong(TokenTimeline::last).min().orElseThrow();
            if (firstDone > allDecoding) {
                long window = started.stream().mapToLong(x -> x.countIn(allDecoding, firstDone)).sum();
                results.put(key + "_decode_tok_s", ForwardBenchmark.round(window / ((firstDone - allDecoding) / 1e9)));
            }
        }
        latencies(key, t, false);
        stepStats(key, b.metrics());
        errors(key, t);
    }

    /** Open-loop Poisson arrivals; rates over the first arrival to the last finish, as vLLM's serving benchmark counts them. */
    private void load(double rate, double duration) throws InterruptedException {
        SplittableRandom r = new SplittableRandom(4242);
        List<Long> arrivals = new ArrayList<>();
        for (double at = -Math.log(1 - r.nextDouble()) / rate; at < duration; at += -Math.log(1 - r.nextDouble()) / rate) {
            arrivals.add((long) (at * 1e9));
        }
        results.put("engine_load_target_req_s", rate);
        results.put("engine_load_requests", arrivals.size());
        if (arrivals.isEmpty()) {
            return;
        }
        List<int[]> prompts = RandomPrompts.of(arrivals.size(), prompt, vocab, 5000);
        CountDownLatch done = new CountDownLatch(arrivals.size());
        List<TokenTimeline> t = new ArrayList<>(arrivals.size());
        Engine engine = Engine.start(runner, config);
        long t0;
        try (engine) {
            t0 = System.nanoTime();
            for (int i = 0; i < arrivals.size(); i++) {
                long at = t0 + arrivals.get(i);
                for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                // Latency counts from the scheduled arrival, so a late submit is not hidden (no coordinated omission).
                TokenTimeline tl = new TokenTimeline(at, newTokens, done);
                t.add(tl);
                engine.submit(request(prompts.get(i), newTokens), tl);
            }
            await(done, arrivals.size());
        }
        // After close: the loop thread has ended, so its last step is recorded too.
        EngineMetrics.Snapshot metrics = engine.metrics().snapshot();
        long end = t.stream().mapToLong(x -> x.finished).max().orElseThrow();
        double seconds = (end - (t0 + arrivals.get(0))) / 1e9;
        results.put("engine_load_s", ForwardBenchmark.round3(seconds));
        results.put("engine_load_req_s", ForwardBenchmark.round3(t.size() / seconds));
        results.put("engine_load_out_tok_s", ForwardBenchmark.round(t.stream().mapToLong(x -> x.count).sum() / seconds));
        latencies("engine_load", t, true);
        stepStats("engine_load", metrics);
        errors("engine_load", t);
    }

    private record Burst(List<TokenTimeline> timelines, EngineMetrics.Snapshot metrics) {}

    /** {@code n} requests of {@code maxTokens} each, submitted at once to a fresh engine; waits for every finish. */
    private Burst burst(int n, int maxTokens, long seed) throws InterruptedException {
        List<int[]> prompts = RandomPrompts.of(n, prompt, vocab, seed);
        CountDownLatch done = new CountDownLatch(n);
        List<TokenTimeline> t = new ArrayList<>(n);
        Engine engine = Engine.start(runner, config);
        try (engine) {
            for (int[] p : prompts) {
                TokenTimeline tl = new TokenTimeline(System.nanoTime(), maxTokens, done);
                t.add(tl);
                engine.submit(request(p, maxTokens), tl);
            }
            await(done, n);
        }
        return new Burst(t, engine.metrics().snapshot()); // after close: the loop's last step is recorded
    }

    private static GenerateRequest request(int[] prompt, int maxTokens) {
        return GenerateRequest.of(prompt, maxTokens, SamplingParams.greedy()).withIgnoreEos(true);
    }

    private void await(CountDownLatch done, int n) throws InterruptedException {
        if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " of " + n + " requests unfinished after " + timeoutSeconds
                    + " s (--engine-timeout)");
        }
    }

    /** TTFT (submit to first token), inter-token gaps and, when asked, submit to finish: p50 and p99 in ms. */
    private void latencies(String key, List<TokenTimeline> timelines, boolean e2e) {
        Histogram ttft = new Histogram(3);
        Histogram itl = new Histogram(3);
        Histogram total = new Histogram(3);
        for (TokenTimeline t : timelines) {
            if (t.count > 0) {
                ttft.recordValue(micros(t.first() - t.submitted));
            }
            for (int i = 1; i < t.count; i++) {
                itl.recordValue(micros(t.tokens[i] - t.tokens[i - 1]));
            }
            total.recordValue(micros(t.finished - t.submitted));
        }
        percentiles(key + "_ttft", ttft);
        percentiles(key + "_itl", itl);
        if (e2e) {
            percentiles(key + "_e2e", total);
        }
    }

    /** The loop's own view: step time (schedule, forward, sample, hand-off), steps, sequences per step, preemptions. */
    private void stepStats(String key, EngineMetrics.Snapshot m) {
        Histogram step = m.histogram(EngineMetrics.Dist.STEP_US);
        Histogram seqs = m.histogram(EngineMetrics.Dist.BATCH_SEQS);
        results.put(key + "_steps", step.getTotalCount());
        results.put(key + "_step_p50_ms", ForwardBenchmark.round3(step.getValueAtPercentile(50) / 1000.0));
        results.put(key + "_step_p99_ms", ForwardBenchmark.round3(step.getValueAtPercentile(99) / 1000.0));
        results.put(key + "_batch_seqs_p50", seqs.getValueAtPercentile(50));
        results.put(key + "_batch_seqs_max", seqs.getMaxValue());
        results.put(key + "_batch_tokens_max", m.histogram(EngineMetrics.Dist.BATCH_TOKENS).getMaxValue());
        results.put(key + "_preemptions", m.preemptions());
    }

    private void percentiles(String key, Histogram h) {
        if (h.getTotalCount() > 0) {
            results.put(key + "_p50_ms", ForwardBenchmark.round3(h.getValueAtPercentile(50) / 1000.0));
            results.put(key + "_p99_ms", ForwardBenchmark.round3(h.getValueAtPercentile(99) / 1000.0));
        }
    }

    /** Requests that ended other than by length: counted, with the first one's reason and message. */
    private void errors(String key, List<TokenTimeline> timelines) {
        List<TokenTimeline> bad = timelines.stream().filter(t -> t.finish.reason() != FinishReason.LENGTH).toList();
        if (!bad.isEmpty()) {
            Finish f = bad.get(0).finish;
            results.put(key + "_error", bad.size() + " of " + timelines.size() + " requests ended " + f.reason()
                    + (f.error() != null ? ": " + f.error() : ""));
        }
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1000);
    }
}
