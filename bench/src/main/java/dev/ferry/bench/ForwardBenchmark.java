package dev.ferry.bench;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.kv.BlockAllocator;
import dev.ferry.engine.model.ForwardBatch;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
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
 * java -cp ... dev.ferry.bench.ForwardBenchmark [--model DIR] [--device cpu] [--dtype f32] [--batch 32]
 *     [--context 128] [--steps 20] [--out results.json]
 * </pre>
 * Without --model it creates the small preset (Llama shape, hidden 768, 12 layers) once under
 * bench/target/models.
 */
public final class ForwardBenchmark {
    private final Map<String, String> args;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private ForwardBenchmark(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        new ForwardBenchmark(Args.parse(argv)).run();
    }

    private void run() throws Exception {
        Path modelDir = args.containsKey("model") ? Path.of(args.get("model")) : smallModel();
        String device = args.getOrDefault("device", "cpu");
        TensorDtype dtype = TensorDtype.fromUserName(args.getOrDefault("dtype", "f32"));
        int batch = Integer.parseInt(args.getOrDefault("batch", "32"));
        int context = Integer.parseInt(args.getOrDefault("context", "128"));
        int steps = Integer.parseInt(args.getOrDefault("steps", "20"));
        try (ModelFolder folder = ModelFolder.open(modelDir);
             ModelRunner runner = ModelRunner.load(folder, RunnerOptions.defaults().withDevice(device).withDtype(dtype))) {
            DecoderConfig c = folder.config();
            long denseParams = denseParameters(folder);
            results.put("model", folder.name());
            results.put("device", runner.device().toString());
            results.put("dtype", dtype.torchName());
            results.put("dense_parameters", denseParams);

            double bandwidth = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device());
            double matmul = MachineCeilings.matmulFlops(runner.newStepManager(), runner.device());
            results.put("memory_read_GBps", round(bandwidth / 1e9));
            results.put("matmul_GFLOPs", round(matmul / 1e9));

            double prefill = prefillTokensPerSecond(runner, context, Math.max(3, steps / 4));
            results.put("prefill_tok_s_" + context, round(prefill));

            Decode one = decode(runner, 1, context, steps);
            Decode many = decode(runner, batch, context, steps);
            results.put("decode_b1_step_ms", round(one.stepMs));
            results.put("decode_b1_tok_s", round(1000 / one.stepMs));
            results.put("decode_b" + batch + "_step_ms", round(many.stepMs));
            results.put("decode_b" + batch + "_tok_s", round(batch * 1000 / many.stepMs));
            results.put("host_prep_us_b1", round(one.hostUs));
            results.put("host_prep_us_b" + batch, round(many.hostUs));

            // Floors: batch 1 must read every dense fp32 weight once per token; batch B is bound by
            // the matmul rate over the FLOPs of B tokens (2 per weight, plus attention over the context).
            double weightBytes = denseParams * 4.0;
            double floorTokS = bandwidth / weightBytes;
            double flopsPerToken = 2.0 * denseParams + 4.0 * c.numLayers() * (context + steps / 2.0) * c.numHeads() * c.headDim();
            double ceilingTokS = matmul / flopsPerToken;
            results.put("b1_bandwidth_floor_tok_s", round(floorTokS));
            results.put("b1_fraction_of_floor", round3(1000 / one.stepMs / floorTokS));
            results.put("b" + batch + "_compute_ceiling_tok_s", round(ceilingTokS));
            results.put("b" + batch + "_fraction_of_ceiling", round3(batch * 1000 / many.stepMs / ceilingTokS));
        }
        Report.print(results, args.get("out"));
    }

    /** Parameters read per token: all but the token-embedding table (one row of it is read). */
    private static long denseParameters(ModelFolder folder) {
        long total = folder.weights().totalParameters();
        DecoderConfig c = folder.config();
        long embed = (long) c.vocabSize() * c.hiddenSize();
        return c.tieWordEmbeddings() ? total : total - embed;
    }

    private record Decode(double stepMs, double hostUs) {}

    private static double prefillTokensPerSecond(ModelRunner runner, int tokens, int repeats) {
        int[] prompt = randomTokens(runner, tokens, 7);
        double[] times = new double[repeats + 1];
        for (int r = 0; r <= repeats; r++) {
            BlockAllocator blocks = new BlockAllocator(runner.kvSpec().numBlocks());
            Sequence seq = new Sequence(prompt);
            seq.setBlockTable(blocks.ensureCapacity(seq.blockTable(), tokens, runner.kvSpec().blockSize()));
            long t0 = System.nanoTime();
            try (NDManager step = runner.newStepManager()) {
                runner.forward(new BatchBuilder(runner.kvSpec().blockSize()).add(seq, tokens).build(), step).argMax(1)
                        .toLongArray();
            }
            times[r] = (System.nanoTime() - t0) / 1e9;
        }
        return tokens / median(Arrays.copyOfRange(times, 1, times.length));
    }

    /** Prefills {@code batch} sequences to {@code context} tokens, then times greedy decode steps. */
    private static Decode decode(ModelRunner runner, int batch, int context, int steps) {
        int blockSize = runner.kvSpec().blockSize();
        BlockAllocator blocks = new BlockAllocator(runner.kvSpec().numBlocks());
        List<Sequence> seqs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            Sequence s = new Sequence(randomTokens(runner, context, i));
            s.setBlockTable(blocks.ensureCapacity(s.blockTable(), context, blockSize));
            try (NDManager step = runner.newStepManager()) {
                long next = runner.forward(new BatchBuilder(blockSize).add(s, context).build(), step).argMax(1).toLongArray()[0];
                s.markComputed(context);
                s.append((int) next);
            }
            seqs.add(s);
        }
        double[] stepTimes = new double[steps];
        double[] hostTimes = new double[steps];
        for (int k = 0; k < steps; k++) {
            long t0 = System.nanoTime();
            BatchBuilder b = new BatchBuilder(blockSize);
            for (Sequence s : seqs) {
                s.setBlockTable(blocks.ensureCapacity(s.blockTable(), s.length(), blockSize));
                b.add(s, 1);
            }
            ForwardBatch fb = b.build();
            long t1 = System.nanoTime();
            try (NDManager step = runner.newStepManager()) {
                long[] next = runner.forward(fb, step).argMax(1).toLongArray();
                for (int i = 0; i < batch; i++) {
                    seqs.get(i).markComputed(1);
                    seqs.get(i).append((int) next[i]);
                }
            }
            stepTimes[k] = (System.nanoTime() - t0) / 1e6;
            hostTimes[k] = (t1 - t0) / 1e3;
        }
        int warm = Math.min(3, steps / 2);
        return new Decode(median(Arrays.copyOfRange(stepTimes, warm, steps)), median(Arrays.copyOfRange(hostTimes, warm, steps)));
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

    private static Path smallModel() throws Exception {
        Path dir = Path.of("bench", "target", "models", "llama-small");
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            new ModelCreator(System.err).create(ModelPreset.fromName("small").spec(ModelArch.fromName("llama")), dir);
        }
        return dir;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

}
