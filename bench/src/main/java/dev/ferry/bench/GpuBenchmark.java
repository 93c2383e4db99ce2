package dev.ferry.bench;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.Devices;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The GPU benchmark of one model on one device, in two sections.
 * <ul>
 *   <li>static ({@code --skip-static} leaves it out): the device's memory bandwidth and matmul
 *   rate, then prefill, decode and static-batch end-to-end rates through {@code ModelRunner.forward}
 *   (every sequence prefilled in chunks of {@code --prefill-batch} prompts, then all decode together);</li>
 *   <li>engine ({@code --skip-engine}): the same model through the continuous-batching {@link Engine}:
 *   N requests submitted at once for each N of {@code --engine-concurrency} (a fresh engine each),
 *   with end-to-end and all-decoding output rates, TTFT and inter-token latency as the client sees
 *   them and the loop's own step times; then open-loop Poisson arrivals at {@code --engine-rate}
 *   requests/s for {@code --engine-duration} seconds.</li>
 * </ul>
 *
 * <pre>
 * java -cp ... dev.ferry.bench.GpuBenchmark --model DIR [--device gpu0] [--dtype f16] [--prompt 512]
 *     [--new 128] [--batches 1,32,64,128,256] [--e2e 1,32,128,256] [--floor-batches 1,64]
 *     [--prefill-batch 8] [--steps 20] [--warmup 3] [--kv-cache SIZE] [--out ferry-gpu.json]
 *     [--engine-concurrency 1,32,128,256] [--engine-prompt 512] [--engine-new 128]
 *     [--engine-max-num-seqs 256] [--engine-max-num-batched-tokens 8192] [--engine-rate 8]
 *     [--engine-duration 20] [--engine-timeout 60] [--skip-static] [--skip-engine]
 * </pre>
 * The engine's prompt and output lengths default to {@code --prompt} and {@code --new}. Unless
 * {@code --kv-cache} is given, the KV cache holds the largest static batch or engine concurrency
 * (at least 32 engine sequences) at full length, so no part preempts. An engine part waits at most
 * {@code --engine-timeout} seconds for its requests to finish.
 * Each part that fails (out of memory, say) is recorded as {@code <part>_error} and the run goes
 * on; the JSON is rewritten after every part, so a run cut short keeps what it measured.
 */
public final class GpuBenchmark {
    private final Map<String, String> args;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final int prompt;
    private final int newTokens;
    private final int prefillBatch;
    private final int steps;
    private final int warmup;
    private final int enginePrompt;
    private final int engineNew;
    private final EngineConfig engineConfig;
    private ModelRunner runner;
    private int blockSize;
    private long vocab;
    private double bandwidth = Double.NaN;

    private GpuBenchmark(Map<String, String> args) {
        this.args = args;
        prompt = intArg("prompt", 512);
        newTokens = intArg("new", 128);
        prefillBatch = intArg("prefill-batch", 8);
        steps = intArg("steps", 20);
        warmup = intArg("warmup", 3);
        enginePrompt = intArg("engine-prompt", prompt);
        engineNew = intArg("engine-new", newTokens);
        engineConfig = EngineConfig.DEFAULTS.withMaxNumSeqs(intArg("engine-max-num-seqs", 256))
                .withMaxNumBatchedTokens(intArg("engine-max-num-batched-tokens", 8192));
    }

    public static void main(String[] argv) throws Exception {
        new GpuBenchmark(Args.parse(argv)).run();
    }

    private void run() throws Exception {
        String modelArg = args.get("model");
        if (modelArg == null) {
            throw new IllegalArgumentException("--model DIR is required (ferry model create --arch llama --preset 1b "
                    + "--dtype f16 --out DIR makes one)");
        }
        String device = args.getOrDefault("device", "gpu0");
        TensorDtype dtype = TensorDtype.fromUserName(args.getOrDefault("dtype", "f16"));
        int[] decodeBatches = intList("batches", "1,32,64,128,256");
        int[] e2eBatches = intList("e2e", "1,32,128,256");
        int[] floorBatches = intList("floor-batches", "1,64");
        boolean runStatic = !flag("skip-static");
        boolean runEngine = !flag("skip-engine");
        int[] concurrency = intList("engine-concurrency", "1,32,128,256");
        long t0 = System.nanoTime();
        try (ModelFolder folder = ModelFolder.open(Path.of(modelArg))) {
            DecoderConfig c = folder.config();
            blockSize = folder.serving().blockSize() != null ? folder.serving().blockSize() : ModelRunner.DEFAULT_BLOCK_SIZE;
            vocab = c.vocabSize();
            int staticLongest = prompt + Math.max(newTokens, warmup + steps + 1);
            int longest = Math.max(staticLongest, enginePrompt + engineNew);
            // Activations, and with them the KV cache, stay fp32 on a CPU (see ModelRunner): size for that.
            int kvElementBytes = Devices.parse(device).isGpu() ? dtype.bytes() : Math.max(4, dtype.bytes());
            int engineSeqs = Math.max(max(concurrency), Math.min(engineConfig.maxNumSeqs(), 32));
            int staticSeqs = Math.max(Math.max(max(decodeBatches), max(e2eBatches)), prefillBatch);
            long staticTokens = runStatic ? slots(staticLongest, staticSeqs) : 0;
            long engineTokens = runEngine ? slots(enginePrompt + engineNew, engineSeqs) : 0;
            long kvTokens = Math.max(slots(longest, 1), Math.max(staticTokens, engineTokens));
            MemoryBudget kvBudget = args.containsKey("kv-cache") ? MemoryBudget.parse(args.get("kv-cache"))
                    : MemoryBudget.ofBytes(kvTokens * 2L * c.numLayers() * c.numKvHeads() * c.headDim() * kvElementBytes);
            LoadOptions options = LoadOptions.defaults().withDevice(device).withDtype(dtype).withKvCacheMemory(kvBudget)
                    .withBlockSize(blockSize).withMaxModelLen(longest + blockSize);
            try (ModelRunner r = ModelRunner.load(folder, options)) {
                runner = r;
                KvCacheSpec kv = r.kvSpec();
                long kvBytesPerToken = KvCacheSpec.bytesPerToken(kv.numLayers(), kv.kvHeads(), kv.headDim(), kv.dtype());
                long dense = ForwardBenchmark.denseParameters(folder);
                results.put("model", folder.name());
                results.put("device", r.device().toString());
                results.put("dtype", dtype.torchName());
                results.put("dense_parameters", dense);
                results.put("weight_GB", ForwardBenchmark.round3(dense * dtype.bytes() / 1e9));
                results.put("kv_bytes_per_token", kvBytesPerToken);
                results.put("kv_cache_MiB", kv.totalBytes() >> 20);
                results.put("prompt_tokens", prompt);
                results.put("new_tokens", newTokens);
                results.put("load_s", ForwardBenchmark.round3((System.nanoTime() - t0) / 1e9));
                save();
                if (runStatic) {
                    staticSection(decodeBatches, e2eBatches, floorBatches, dense, dtype, kvBytesPerToken);
                }
                if (runEngine) {
                    engineSection(concurrency);
                }
            }
        }
        results.put("total_s", ForwardBenchmark.round((System.nanoTime() - t0) / 1e9));
        Report.print(results, args.get("out"));
    }

    private void staticSection(int[] decodeBatches, int[] e2eBatches, int[] floorBatches, long dense, TensorDtype dtype,
                               long kvBytesPerToken) {
        part("ceilings", () -> ceilings());
        part("prefill", () -> prefill());
        for (int b : decodeBatches) {
            part("decode_b" + b, () -> decode(b));
        }
        for (int b : floorBatches) {
            Object stepMs = results.get("decode_b" + b + "_step_ms");
            if (stepMs instanceof Double ms && !Double.isNaN(bandwidth)) {
                double context = prompt + warmup + steps / 2.0 + 1;
                double bytes = dense * (double) dtype.bytes() + b * context * kvBytesPerToken;
                double floorMs = bytes / bandwidth * 1000;
                results.put("decode_b" + b + "_floor_ms", ForwardBenchmark.round3(floorMs));
                results.put("decode_b" + b + "_vs_floor", ForwardBenchmark.round(ms / floorMs));
            }
        }
        for (int n : e2eBatches) {
            part("e2e_n" + n, () -> endToEnd(n));
        }
    }

    private void ceilings() {
        boolean gpu = runner.device().isGpu();
        // On a GPU: 1 GiB buffers and 8 sums per sync, so the sync is a small part of what is timed.
        bandwidth = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device(),
                gpu ? 256L << 20 : 128L << 20, gpu ? 8 : 1);
        results.put("memory_read_GBps", ForwardBenchmark.round(bandwidth / 1e9));
        double flops = MachineCeilings.matmulFlops(runner.newStepManager(), runner.device());
        results.put(gpu ? "matmul_fp16_TFLOPs" : "matmul_fp32_TFLOPs", ForwardBenchmark.round3(flops / 1e12));
    }

    /** Time to first token for one prompt (a lower bound: no queueing), and the rate of a batch of prompts in one step. */
    private void prefill() {
        int repeats = Math.max(5, steps / 4);
        double one = timedPrefill(1, repeats);
        results.put("prefill_1x" + prompt + "_ms", ForwardBenchmark.round3(one * 1000));
        results.put("prefill_1x" + prompt + "_tok_s", ForwardBenchmark.round(prompt / one));
        double many = timedPrefill(prefillBatch, repeats);
        results.put("prefill_" + prefillBatch + "x" + prompt + "_ms", ForwardBenchmark.round3(many * 1000));
        results.put("prefill_" + prefillBatch + "x" + prompt + "_tok_s", ForwardBenchmark.round(prefillBatch * prompt / many));
    }

    private double timedPrefill(int batch, int repeats) {
        double[] t = new double[warmup + repeats];
        for (int r = 0; r < t.length; r++) {
            KvManager kv = new KvManager(new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false));
            List<Sequence> seqs = prompts(batch, 1000L * r);
            long s = System.nanoTime();
            step(seqs, kv);
            t[r] = (System.nanoTime() - s) / 1e9;
        }
        return ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
    }

    /** Median decode step with {@code batch} sequences all at a context of about {@code prompt} tokens. */
    private void decode(int batch) {
        KvManager kv = new KvManager(new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false));
        List<Sequence> seqs = prompts(batch, 0);
        prefillAll(seqs, kv);
        double[] t = new double[warmup + steps];
        for (int k = 0; k < t.length; k++) {
            long s = System.nanoTime();
            step(seqs, kv);
            t[k] = (System.nanoTime() - s) / 1e6;
        }
        double ms = ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
        results.put("decode_b" + batch + "_step_ms", ForwardBenchmark.round3(ms));
        results.put("decode_b" + batch + "_tok_s", ForwardBenchmark.round(batch * 1000 / ms));
    }

    /** {@code n} requests of {@code prompt} tokens, each generating {@code newTokens}: one prefill then newTokens - 1 decode steps. */
    private void endToEnd(int n) {
        KvManager kv = new KvManager(new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false));
        List<Sequence> seqs = prompts(n, 7);
        long s = System.nanoTime();
        prefillAll(seqs, kv);
        long prefilled = System.nanoTime();
        for (int k = 1; k < newTokens; k++) {
            step(seqs, kv);
        }
        double total = (System.nanoTime() - s) / 1e9;
        results.put("e2e_n" + n + "_s", ForwardBenchmark.round3(total));
        results.put("e2e_n" + n + "_prefill_s", ForwardBenchmark.round3((prefilled - s) / 1e9));
        results.put("e2e_n" + n + "_tok_s", ForwardBenchmark.round((double) n * newTokens / total));
    }

    private void prefillAll(List<Sequence> seqs, KvManager kv) {
        for (int i = 0; i < seqs.size(); i += prefillBatch) {
            step(seqs.subList(i, Math.min(seqs.size(), i + prefillBatch)), kv);
        }
    }

    /**
     * One forward step over every uncomputed token of {@code seqs} (a whole prompt, or the one token
     * a decode adds), then greedy sampling: the argmax copy to the host is the step's only sync.
     */
    private void step(List<Sequence> seqs, KvManager kv) {
        BatchBuilder batch = new BatchBuilder(blockSize);
        for (Sequence s : seqs) {
            if (!kv.allocate(s, s.numUncomputed())) {
                throw new IllegalStateException("KV cache full (" + runner.kvSpec().numBlocks() + " blocks of "
                        + blockSize + " tokens): give a larger --kv-cache");
            }
            batch.add(s, s.numUncomputed());
        }
        try (NDManager step = runner.newStepManager()) {
            long[] next = runner.forward(batch.build(), step).argMax(1).toLongArray();
            for (int i = 0; i < seqs.size(); i++) {
                Sequence s = seqs.get(i);
                s.markComputed(s.numUncomputed());
                s.append((int) next[i]);
            }
        }
    }

    // ---- engine section ---------------------------------------------------------------------

    private void engineSection(int[] concurrency) {
        results.put("engine_prompt_tokens", enginePrompt);
        results.put("engine_new_tokens", engineNew);
        results.put("engine_max_num_seqs", engineConfig.maxNumSeqs());
        results.put("engine_max_num_batched_tokens", engineConfig.maxNumBatchedTokens());
        // Full-size prefill steps and decode steps once, so no timed part pays for first-use costs.
        int warm = Math.min(Math.min(engineConfig.maxNumSeqs(), Math.max(max(concurrency), 1)),
                engineConfig.maxNumBatchedTokens() / enginePrompt + 1);
        part("engine_warmup", () -> burst(warm, 4, 1));
        for (int n : concurrency) {
            part("engine_c" + n, () -> concurrency(n));
        }
        double rate = doubleArg("engine-rate", 8);
        double duration = doubleArg("engine-duration", 20);
        if (rate > 0 && duration > 0) {
            part("engine_load", () -> load(rate, duration));
        }
    }

    /**
     * {@code n} requests submitted at once: output tokens/s from the first submit to the last finish,
     * and in the window where all {@code n} are decoding (from the last first token to the first
     * finish); TTFT and inter-token latency as the sink sees them; the loop's step times.
     */
    private void concurrency(int n) throws InterruptedException {
        Burst b = burst(n, engineNew, 100L + n);
        String key = "engine_c" + n;
        List<Timeline> t = b.timelines();
        long start = t.stream().mapToLong(x -> x.submitted).min().orElseThrow();
        long end = t.stream().mapToLong(x -> x.finished).max().orElseThrow();
        long tokens = t.stream().mapToLong(x -> x.count).sum();
        results.put(key + "_s", ForwardBenchmark.round3((end - start) / 1e9));
        results.put(key + "_tok_s", ForwardBenchmark.round(tokens / ((end - start) / 1e9)));
        List<Timeline> started = t.stream().filter(x -> x.count > 0).toList();
        if (!started.isEmpty()) {
            long allDecoding = started.stream().mapToLong(Timeline::first).max().orElseThrow();
            long firstDone = started.stream().mapToLong(Timeline::last).min().orElseThrow();
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
        List<int[]> prompts = enginePrompts(arrivals.size(), 5000);
        CountDownLatch done = new CountDownLatch(arrivals.size());
        List<Timeline> t = new ArrayList<>(arrivals.size());
        Engine engine = Engine.start(runner, engineConfig);
        long t0;
        try (engine) {
            t0 = System.nanoTime();
            for (int i = 0; i < arrivals.size(); i++) {
                long at = t0 + arrivals.get(i);
                for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                // Latency counts from the scheduled arrival, so a late submit is not hidden (no coordinated omission).
                Timeline tl = new Timeline(at, engineNew, done);
                t.add(tl);
                engine.submit(request(prompts.get(i), engineNew), tl);
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

    private record Burst(List<Timeline> timelines, EngineMetrics.Snapshot metrics) {}

    /** {@code n} requests of {@code newTokens} each, submitted at once to a fresh engine; waits for every finish. */
    private Burst burst(int n, int newTokens, long seed) throws InterruptedException {
        List<int[]> prompts = enginePrompts(n, seed);
        CountDownLatch done = new CountDownLatch(n);
        List<Timeline> t = new ArrayList<>(n);
        Engine engine = Engine.start(runner, engineConfig);
        try (engine) {
            for (int[] p : prompts) {
                Timeline tl = new Timeline(System.nanoTime(), newTokens, done);
                t.add(tl);
                engine.submit(request(p, newTokens), tl);
            }
            await(done, n);
        }
        return new Burst(t, engine.metrics().snapshot()); // after close: the loop's last step is recorded
    }

    private static GenerateRequest request(int[] prompt, int maxTokens) {
        return GenerateRequest.of(prompt, maxTokens, SamplingParams.greedy()).withIgnoreEos(true);
    }

    private void await(CountDownLatch done, int n) throws InterruptedException {
        long timeout = intArg("engine-timeout", 60);
        if (!done.await(timeout, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " of " + n + " requests unfinished after " + timeout
                    + " s (--engine-timeout)");
        }
    }

    /** TTFT (submit to first token), inter-token gaps and, when asked, submit to finish: p50 and p99 in ms. */
    private void latencies(String key, List<Timeline> timelines, boolean e2e) {
        Histogram ttft = new Histogram(3);
        Histogram itl = new Histogram(3);
        Histogram total = new Histogram(3);
        for (Timeline t : timelines) {
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
    private void errors(String key, List<Timeline> timelines) {
        List<Timeline> bad = timelines.stream().filter(t -> t.finish.reason() != FinishReason.LENGTH).toList();
        if (!bad.isEmpty()) {
            Finish f = bad.get(0).finish;
            results.put(key + "_error", bad.size() + " of " + timelines.size() + " requests ended " + f.reason()
                    + (f.error() != null ? ": " + f.error() : ""));
        }
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1000);
    }

    private List<int[]> enginePrompts(int n, long seed) {
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SplittableRandom r = new SplittableRandom(seed + i);
            out.add(r.ints(enginePrompt, 0, (int) vocab).toArray());
        }
        return out;
    }

    /**
     * One request's token times, written on the engine's output thread. Read only after the
     * request's finish: the latch's count-down and await order the writes before the reads.
     */
    private static final class Timeline implements TokenSink {
        final long submitted;
        final long[] tokens;
        final CountDownLatch done;
        int count;
        long finished;
        Finish finish;

        Timeline(long submitted, int maxTokens, CountDownLatch done) {
            this.submitted = submitted;
            this.tokens = new long[maxTokens];
            this.done = done;
        }

        @Override
        public void onToken(TokenEvent token) {
            if (count < tokens.length) {
                tokens[count++] = System.nanoTime();
            }
        }

        @Override
        public void onFinish(Finish f) {
            finished = System.nanoTime();
            finish = f;
            done.countDown();
        }

        long first() {
            return tokens[0];
        }

        long last() {
            return tokens[count - 1];
        }

        /** Tokens that arrived in {@code (from, to]}. */
        long countIn(long from, long to) {
            long n = 0;
            for (int i = 0; i < count; i++) {
                if (tokens[i] > from && tokens[i] <= to) {
                    n++;
                }
            }
            return n;
        }
    }

    // ---- shared --------------------------------------------------------------------------------

    private List<Sequence> prompts(int n, long seed) {
        List<Sequence> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SplittableRandom r = new SplittableRandom(seed + i);
            int[] tokens = new int[prompt];
            for (int k = 0; k < prompt; k++) {
                tokens[k] = r.nextInt((int) vocab);
            }
            out.add(new Sequence(tokens));
        }
        return out;
    }

    /** Token slots for {@code seqs} sequences of {@code length} tokens, with one spare block each. */
    private long slots(int length, int seqs) {
        long perSeq = ((long) length + 2L * blockSize - 1) / blockSize * blockSize;
        return perSeq * seqs;
    }

    /** One part of the benchmark. */
    private interface Part {
        void run() throws Exception;
    }

    /** Runs one part of the benchmark; a failure is recorded and the rest still runs. */
    private void part(String name, Part body) {
        long s = System.nanoTime();
        System.err.printf("gpu-bench: %s ...%n", name);
        try {
            body.run();
        } catch (Exception | OutOfMemoryError e) {
            String msg = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            results.put(name + "_error", msg);
            System.err.printf("gpu-bench: %s failed: %s%n", name, msg);
            e.printStackTrace();
        }
        System.err.printf("gpu-bench: %s done in %.1f s%n", name, (System.nanoTime() - s) / 1e9);
        save();
    }

    private void save() {
        if (args.containsKey("out")) {
            try {
                Report.writeJson(results, args.get("out"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private int intArg(String name, int dflt) {
        return args.containsKey(name) ? Integer.parseInt(args.get(name)) : dflt;
    }

    private double doubleArg(String name, double dflt) {
        return args.containsKey(name) ? Double.parseDouble(args.get(name)) : dflt;
    }

    private boolean flag(String name) {
        return Boolean.parseBoolean(args.getOrDefault(name, "false"));
    }

    private int[] intList(String name, String dflt) {
        String v = args.getOrDefault(name, dflt).trim();
        return v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static int max(int[] v) {
        return Arrays.stream(v).max().orElse(1);
    }
}
