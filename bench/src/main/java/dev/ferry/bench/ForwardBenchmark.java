package dev.ferry.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.OpCounter;
import dev.ferry.engine.model.cpu.SmallStepThreads;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sample.GreedyTokens;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.Quantization;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The foundation benchmark: prefill and decode rates of the native model on this machine, set
 * against the machine's own memory bandwidth and matmul rate measured in the same run.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.ForwardBenchmark [--model DIR] [--device cpu] [--dtype f32,f16,bf16,int8] [--batch 32]
 *     [--context 128] [--steps 20] [--rounds 5] [--out results.json]
 * </pre>
 * {@code int8} is f32 with {@code --quantize int8}. Each weight format's batch-1 step is set
 * against two floors: fp32's (every dense weight read once as fp32) and its own (the weight bytes
 * its chosen forms actually stream, plus the KV cache read); the f16, bf16 and int8 step rates are
 * also given as ratios to f32's, from the same run.
 * Without --model it creates the small preset (Llama shape, hidden 768, 12 layers) once under
 * bench/target/models.
 */
public final class ForwardBenchmark {
    /** Untimed prefills before the timed ones. */
    private static final int PREFILL_WARM_UP = 12;
    private final Map<String, String> args;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private ForwardBenchmark(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        new ForwardBenchmark(Args.parse(argv)).run();
    }

    private void run() throws Exception {
        Path modelDir = args.containsKey("model") ? Path.of(args.get("model")) : model("llama-small", "small");
        String device = args.getOrDefault("device", "cpu");
        int batch = Integer.parseInt(args.getOrDefault("batch", "32"));
        int context = Integer.parseInt(args.getOrDefault("context", "128"));
        int steps = Integer.parseInt(args.getOrDefault("steps", "20"));
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "5"));
        Map<String, Double> b1TokS = new LinkedHashMap<>();
        for (String dtypeName : args.getOrDefault("dtype", "f32,f16,bf16,int8").split(",")) {
            String p = dtypeName + "_";
            try (ModelFolder folder = ModelFolder.open(modelDir);
                 ModelRunner runner = ModelRunner.load(folder, loadOptions(dtypeName).withDevice(device))) {
                DecoderConfig c = folder.config();
                long denseParams = denseParameters(folder);
                results.put("model", folder.name());
                results.put("device", runner.device().toString());
                results.put("dense_parameters", denseParams);
                // Untimed first, as the decode below: a process's first prefills run while the JIT is
                // still compiling their code (128 tokens at 341 tok/s over the first 8, 455-488 after;
                // llama-bench too runs a warm-up before it times). A server has run these at start-up.
                prefillTokensPerSecond(runner, context, PREFILL_WARM_UP);
                results.put(p + "prefill_tok_s_" + context, round(prefillTokensPerSecond(runner, context, Math.max(3, steps / 4))));
                // The ceilings are measured right before the decode they bound, in each round, so that
                // both see the same machine: this host's bandwidth and clock vary by tens of percent.
                double[] bw = new double[rounds];
                double[] mm = new double[rounds];
                double[] one = new double[rounds];
                double[] many = new double[rounds];
                double[] host1 = new double[rounds];
                double[] hostB = new double[rounds];
                double[] products = new double[rounds];
                // An untimed round first: the first decode steps of a process run while the JIT is still
                // compiling the step's code (batch-1 steps 16-18 ms in the first round, 13-15 after).
                decode(runner, 1, context, steps);
                decode(runner, batch, context, steps);
                for (int r = 0; r < rounds; r++) {
                    bw[r] = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device());
                    Decode d1 = decode(runner, 1, context, steps);
                    products[r] = runner.device().isGpu() ? Double.NaN : productsOnlyMs(runner, steps);
                    mm[r] = MachineCeilings.matmulFlops(runner.newStepManager(), runner.device());
                    Decode dB = decode(runner, batch, context, steps);
                    one[r] = d1.stepMs;
                    many[r] = dB.stepMs;
                    host1[r] = d1.hostUs;
                    hostB[r] = dB.hostUs;
                }
                // Floors: batch 1 must read every dense fp32 weight once per token; batch B is bound by
                // the matmul rate over the FLOPs of B tokens (2 per weight, plus attention over the context).
                double weightBytes = denseParams * 4.0;
                double weightsStreamed = runner.model().linears().stream().mapToLong(l -> l.bytesReadAt(1)).sum();
                double streamedBytes = weightsStreamed + (context + steps / 2.0) * c.kvBytesPerToken(4);
                double flopsPerToken = 2.0 * denseParams + 4.0 * c.numLayers() * (context + steps / 2.0) * c.numHeads() * c.headDim();
                double[] f1 = new double[rounds];
                double[] own = new double[rounds];
                double[] fB = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    f1[r] = (1000 / one[r]) / (bw[r] / weightBytes);
                    own[r] = (1000 / one[r]) / (bw[r] / streamedBytes);
                    fB[r] = (batch * 1000 / many[r]) / (mm[r] / flopsPerToken);
                }
                results.put(p + "memory_read_GBps", round(median(bw) / 1e9));
                results.put(p + "matmul_GFLOPs", round(median(mm) / 1e9));
                results.put(p + "decode_b1_step_ms", round(median(one)));
                results.put(p + "decode_b1_tok_s", round(1000 / median(one)));
                results.put(p + "decode_b" + batch + "_step_ms", round(median(many)));
                results.put(p + "decode_b" + batch + "_tok_s", round(batch * 1000 / median(many)));
                results.put(p + "host_prep_us_b1", round(median(host1)));
                results.put(p + "host_prep_us_b" + batch, round(median(hostB)));
                results.put(p + "b1_fraction_of_fp32_bandwidth_floor", round3(median(f1)));
                results.put(p + "b1_MB_streamed_per_step", round(streamedBytes / 1e6));
                results.put(p + "b1_fraction_of_own_bandwidth_floor", round3(median(own)));
                if (!runner.device().isGpu()) {
                    // the products alone against the probe: what the kernels and their hand-offs
                    // stream; the rest of the step is attention, norms, the head's sampling and glue
                    double[] ownProducts = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        ownProducts[r] = (weightsStreamed / bw[r]) / (products[r] / 1000);
                    }
                    results.put(p + "b1_products_only_ms", round(median(products)));
                    results.put(p + "b1_products_only_fraction_of_weight_floor", round3(median(ownProducts)));
                }
                b1TokS.put(dtypeName, 1000 / median(one));
                // each round's own: the host's bandwidth and the step both swing from round to round
                results.put(p + "b1_fraction_by_round", roundEach(f1));
                results.put(p + "memory_read_GBps_by_round", roundEach(Arrays.stream(bw).map(v -> v / 1e9).toArray()));
                results.put(p + "decode_b1_step_ms_by_round", roundEach(one));
                results.put(p + "b" + batch + "_fraction_of_compute_ceiling", round3(median(fB)));
            }
        }
        for (String narrow : new String[] {"f16", "bf16", "int8"}) {
            if (b1TokS.containsKey("f32") && b1TokS.containsKey(narrow)) {
                results.put(narrow + "_over_f32_b1_step_rate", round3(b1TokS.get(narrow) / b1TokS.get("f32")));
            }
        }
        overheadOnly(device, batch, context, steps);
        results.putAll(OpCounts.measure(device, batch, context));
        Report.print(results, args.get("out"));
    }

    /**
     * The same step on a model of the same topology (12 layers, 12/4 heads) with tiny dimensions:
     * what remains is the cost that does not scale with the model — op dispatch, JNI, Java.
     */
    private void overheadOnly(String device, int batch, int context, int steps) throws Exception {
        Path dir = model("llama-tiny-dims-12-layers", null);
        try (ModelFolder folder = ModelFolder.open(dir);
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDevice(device))) {
            results.put("tiny_dims_step_ms_b1", round(decode(runner, 1, context, steps * 2).stepMs));
            results.put("tiny_dims_step_ms_b" + batch, round(decode(runner, batch, context, steps * 2).stepMs));
        }
    }

    /** A benchmark dtype name: a model dtype, or {@code int8} (f32 quantized at load). */
    private static LoadOptions loadOptions(String dtypeName) {
        if (dtypeName.equals(Quantization.INT8.userName())) {
            return LoadOptions.defaults().withDtype(TensorDtype.F32).withQuantize(Quantization.INT8);
        }
        return LoadOptions.defaults().withDtype(TensorDtype.fromUserName(dtypeName));
    }

    /** Parameters read per token: all but the token-embedding table (one row of it is read). */
    static long denseParameters(ModelFolder folder) {
        long total = folder.weights().totalParameters();
        DecoderConfig c = folder.config();
        long embed = (long) c.vocabSize() * c.hiddenSize();
        return c.tieWordEmbeddings() ? total : total - embed;
    }

    /** @param opsPerStep the last step's libtorch ops (see {@link OpCounter}), -1 when not counted */
    record Decode(double stepMs, double hostUs, int opsPerStep) {}

    private static double prefillTokensPerSecond(ModelRunner runner, int tokens, int repeats) {
        int[] prompt = randomTokens(runner, tokens, 7);
        double[] times = new double[repeats + 1];
        for (int r = 0; r <= repeats; r++) {
            KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
            Sequence seq = new Sequence(prompt);
            allocateUncomputed(kv, seq);
            long t0 = System.nanoTime();
            try (NDManager step = runner.newStepManager()) {
                GreedyTokens.of(runner.forward(new BatchBuilder(runner.kvSpec().blockSize()).add(seq, tokens).build(), step));
            }
            times[r] = (System.nanoTime() - t0) / 1e9;
        }
        return tokens / median(Arrays.copyOfRange(times, 1, times.length));
    }

    /**
     * A batch-1 step's dense products alone on the CPU, median over {@code steps}: every layer's
     * product on a one-row input in step order, through the forms the tuner chose for one row and
     * on the step's threads (the BLAS partner has the other core, as in a step), with nothing between
     * them but what a product itself does. The step's fused norms and buffers are not used, so each
     * product writes a fresh output.
     */
    static double productsOnlyMs(ModelRunner runner, int steps) {
        List<Linear> linears = runner.model().linears();
        double[] t = new double[steps];
        for (int s = 0; s < steps; s++) {
            try (NDManager step = runner.newStepManager();
                 SmallStepThreads threads = SmallStepThreads.forStep(1, runner.device())) {
                NDArray[] inputs = new NDArray[linears.size()];
                for (int i = 0; i < inputs.length; i++) {
                    inputs[i] = step.randomNormal(new Shape(1, linears.get(i).inFeatures()));
                }
                long start = System.nanoTime();
                for (int i = 0; i < inputs.length; i++) {
                    linears.get(i).apply(inputs[i]);
                }
                t[s] = (System.nanoTime() - start) / 1e6;
            }
        }
        return median(t);
    }

    /** Prefills {@code batch} sequences to {@code context} tokens, then times greedy decode steps. */
    static Decode decode(ModelRunner runner, int batch, int context, int steps) {
        return decode(runner, batch, context, steps, null);
    }

    /** @param counter counts each step's ops (the last step's stay), or null */
    static Decode decode(ModelRunner runner, int batch, int context, int steps, OpCounter counter) {
        int blockSize = runner.kvSpec().blockSize();
        KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
        List<Sequence> seqs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            Sequence s = new Sequence(randomTokens(runner, context, i));
            allocateUncomputed(kv, s);
            try (NDManager step = runner.newStepManager()) {
                int next = GreedyTokens.of(runner.forward(new BatchBuilder(blockSize).add(s, context).build(), step))[0];
                s.markComputed(context);
                s.append(next);
            }
            seqs.add(s);
        }
        double[] stepTimes = new double[steps];
        double[] hostTimes = new double[steps];
        int ops = -1;
        for (int k = 0; k < steps; k++) {
            long t0 = System.nanoTime();
            BatchBuilder b = new BatchBuilder(blockSize);
            for (Sequence s : seqs) {
                allocateUncomputed(kv, s);
                b.add(s, 1);
            }
            ForwardBatch fb = b.build();
            long t1 = System.nanoTime();
            try (NDManager step = runner.newStepManager()) {
                NDArray logits = runner.forward(fb, step, counter);
                if (counter != null) {
                    ops = OpCounter.arrays(step);
                }
                int[] next = GreedyTokens.of(logits); // as the engine's sampler takes greedy tokens
                for (int i = 0; i < batch; i++) {
                    seqs.get(i).markComputed(1);
                    seqs.get(i).append(next[i]);
                }
            }
            stepTimes[k] = (System.nanoTime() - t0) / 1e6;
            hostTimes[k] = (t1 - t0) / 1e3;
        }
        int warm = Math.min(3, steps / 2);
        return new Decode(median(Arrays.copyOfRange(stepTimes, warm, steps)), median(Arrays.copyOfRange(hostTimes, warm, steps)),
                ops);
    }

    /** Slots for the tokens {@code seq} computes next: a run whose batch does not fit in the KV cache cannot be measured. */
    private static void allocateUncomputed(KvManager kv, Sequence seq) {
        if (!kv.allocate(seq, seq.numUncomputed())) {
            throw new IllegalStateException("KV cache full: give a larger KV cache or a smaller batch or context");
        }
    }

    private static int[] randomTokens(ModelRunner runner, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        int vocab = runner.folder().tokenizer().size();
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(vocab);
        }
        return out;
    }

    /** A Llama model under bench/target/models, created on first use: a preset, or (null) tiny dims in 12 layers. */
    static Path model(String name, String preset) throws Exception {
        Path dir = Path.of("bench", "target", "models", name);
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            ModelSpec small = ModelPreset.fromName("small").spec(ModelArch.LLAMA);
            ModelSpec spec = preset != null ? ModelPreset.fromName(preset).spec(ModelArch.LLAMA)
                    : new ModelSpec(ModelArch.LLAMA, 64, small.layers(), small.heads(), small.kvHeads(), 16, 160, 512,
                            small.maxPosition(), small.ropeTheta(), false, small.normEps(), false, 0.1, 0.1,
                            TensorDtype.F32, 0, 1000);
            new ModelCreator(System.err).create(spec, dir);
        }
        return dir;
    }

    /** Each value to three decimals, as a list that both the printed report and the JSON show. */
    private static List<Double> roundEach(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1000) / 1000.0).boxed().toList();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

}
