package dev.ferry.bench;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.runtime.Devices;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.engine.sched.BatchBuilder;
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

/**
 * The GPU benchmark: time to first token, prefill and decode rates and static-batch end-to-end
 * throughput of one model through the forward step, set against the device's memory bandwidth and
 * matmul rate measured in the same run. There is no engine loop yet, so batches are static: every
 * sequence is prefilled (in chunks of {@code --prefill-batch} prompts), then all decode together.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.GpuBenchmark --model DIR [--device gpu0] [--dtype f16] [--prompt 512]
 *     [--new 128] [--batches 1,32,64,128,256] [--e2e 1,32,128,256] [--floor-batches 1,64]
 *     [--prefill-batch 8] [--steps 20] [--warmup 3] [--kv-cache SIZE] [--out ferry-gpu.json]
 * </pre>
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
        long t0 = System.nanoTime();
        try (ModelFolder folder = ModelFolder.open(Path.of(modelArg))) {
            DecoderConfig c = folder.config();
            blockSize = folder.serving().blockSize() != null ? folder.serving().blockSize() : ModelRunner.DEFAULT_BLOCK_SIZE;
            vocab = c.vocabSize();
            int longest = prompt + Math.max(newTokens, warmup + steps + 1);
            // Activations, and with them the KV cache, stay fp32 on a CPU (see ModelRunner): size for that.
            int kvElementBytes = Devices.parse(device).isGpu() ? dtype.bytes() : Math.max(4, dtype.bytes());
            long kvTokens = kvTokensNeeded(max(decodeBatches), max(e2eBatches), longest);
            MemoryBudget kvBudget = args.containsKey("kv-cache") ? MemoryBudget.parse(args.get("kv-cache"))
                    : MemoryBudget.ofBytes(kvTokens * 2L * c.numLayers() * c.numKvHeads() * c.headDim() * kvElementBytes);
            RunnerOptions options = RunnerOptions.defaults().withDevice(device).withDtype(dtype).withKvCacheMemory(kvBudget)
                    .withBlockSize(blockSize).withMaxModelLen(longest + blockSize);
            try (ModelRunner r = ModelRunner.load(folder, options)) {
                runner = r;
                KvCacheSpec kv = r.kvSpec();
                long kvBytesPerToken = KvCacheSpec.bytesPerToken(kv.numLayers(), kv.kvHeads(), kv.headDim(), kv.dtype());
                long dense = denseParameters(folder);
                results.put("model", folder.name());
                results.put("device", r.device().toString());
                results.put("dtype", dtype.torchName());
                results.put("dense_parameters", dense);
                results.put("weight_GB", round3(dense * dtype.bytes() / 1e9));
                results.put("kv_bytes_per_token", kvBytesPerToken);
                results.put("kv_cache_MiB", kv.totalBytes() >> 20);
                results.put("prompt_tokens", prompt);
                results.put("new_tokens", newTokens);
                results.put("load_s", round3((System.nanoTime() - t0) / 1e9));
                save();

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
                        results.put("decode_b" + b + "_floor_ms", round3(floorMs));
                        results.put("decode_b" + b + "_vs_floor", round(ms / floorMs));
                    }
                }
                for (int n : e2eBatches) {
                    part("e2e_n" + n, () -> endToEnd(n));
                }
            }
        }
        results.put("total_s", round((System.nanoTime() - t0) / 1e9));
        Report.print(results, args.get("out"));
    }

    private void ceilings() {
        boolean gpu = runner.device().isGpu();
        // On a GPU: 1 GiB buffers and 8 sums per sync, so the sync is a small part of what is timed.
        bandwidth = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device(),
                gpu ? 256L << 20 : 128L << 20, gpu ? 8 : 1);
        results.put("memory_read_GBps", round(bandwidth / 1e9));
        double flops = MachineCeilings.matmulFlops(runner.newStepManager(), runner.device());
        results.put(gpu ? "matmul_fp16_TFLOPs" : "matmul_fp32_TFLOPs", round3(flops / 1e12));
    }

    /** Time to first token for one prompt (a lower bound: no queueing), and the rate of a batch of prompts in one step. */
    private void prefill() {
        int repeats = Math.max(5, steps / 4);
        double one = timedPrefill(1, repeats);
        results.put("prefill_1x" + prompt + "_ms", round3(one * 1000));
        results.put("prefill_1x" + prompt + "_tok_s", round(prompt / one));
        double many = timedPrefill(prefillBatch, repeats);
        results.put("prefill_" + prefillBatch + "x" + prompt + "_ms", round3(many * 1000));
        results.put("prefill_" + prefillBatch + "x" + prompt + "_tok_s", round(prefillBatch * prompt / many));
    }

    private double timedPrefill(int batch, int repeats) {
        double[] t = new double[warmup + repeats];
        for (int r = 0; r < t.length; r++) {
            BlockManager blocks = new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false);
            List<Sequence> seqs = prompts(batch, 1000L * r);
            long s = System.nanoTime();
            step(seqs, blocks);
            t[r] = (System.nanoTime() - s) / 1e9;
        }
        return ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
    }

    /** Median decode step with {@code batch} sequences all at a context of about {@code prompt} tokens. */
    private void decode(int batch) {
        BlockManager blocks = new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false);
        List<Sequence> seqs = prompts(batch, 0);
        prefillAll(seqs, blocks);
        double[] t = new double[warmup + steps];
        for (int k = 0; k < t.length; k++) {
            long s = System.nanoTime();
            step(seqs, blocks);
            t[k] = (System.nanoTime() - s) / 1e6;
        }
        double ms = ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
        results.put("decode_b" + batch + "_step_ms", round3(ms));
        results.put("decode_b" + batch + "_tok_s", round(batch * 1000 / ms));
    }

    /** {@code n} requests of {@code prompt} tokens, each generating {@code newTokens}: one prefill then newTokens - 1 decode steps. */
    private void endToEnd(int n) {
        BlockManager blocks = new BlockManager(runner.kvSpec().numBlocks(), runner.kvSpec().blockSize(), false);
        List<Sequence> seqs = prompts(n, 7);
        long s = System.nanoTime();
        prefillAll(seqs, blocks);
        long prefilled = System.nanoTime();
        for (int k = 1; k < newTokens; k++) {
            step(seqs, blocks);
        }
        double total = (System.nanoTime() - s) / 1e9;
        results.put("e2e_n" + n + "_s", round3(total));
        results.put("e2e_n" + n + "_prefill_s", round3((prefilled - s) / 1e9));
        results.put("e2e_n" + n + "_tok_s", round((double) n * newTokens / total));
    }

    private void prefillAll(List<Sequence> seqs, BlockManager blocks) {
        for (int i = 0; i < seqs.size(); i += prefillBatch) {
            step(seqs.subList(i, Math.min(seqs.size(), i + prefillBatch)), blocks);
        }
    }

    /**
     * One forward step over every uncomputed token of {@code seqs} (a whole prompt, or the one token
     * a decode adds), then greedy sampling: the argmax copy to the host is the step's only sync.
     */
    private void step(List<Sequence> seqs, BlockManager blocks) {
        BatchBuilder batch = new BatchBuilder(blockSize);
        for (Sequence s : seqs) {
            int[] table = blocks.ensureCapacity(s.blockTable(), s.length());
            if (table == null) {
                throw new IllegalStateException("KV cache full (" + blocks.numBlocks() + " blocks of " + blockSize
                        + " tokens): give a larger --kv-cache");
            }
            s.setBlockTable(table);
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

    /** Token slots the largest part needs at once, with one spare block per sequence. */
    private long kvTokensNeeded(int maxDecodeBatch, int maxE2e, int longest) {
        long perSeq = ((long) longest + 2L * blockSize - 1) / blockSize * blockSize;
        return perSeq * Math.max(Math.max(maxDecodeBatch, maxE2e), prefillBatch);
    }

    /** Parameters read per token: all but the token-embedding table (one row of it is read) unless it is tied. */
    private static long denseParameters(ModelFolder folder) {
        long total = folder.weights().totalParameters();
        DecoderConfig c = folder.config();
        return c.tieWordEmbeddings() ? total : total - (long) c.vocabSize() * c.hiddenSize();
    }

    /** Runs one part of the benchmark; a failure is recorded and the rest still runs. */
    private void part(String name, Runnable body) {
        long s = System.nanoTime();
        System.err.printf("gpu-bench: %s ...%n", name);
        try {
            body.run();
        } catch (RuntimeException | OutOfMemoryError e) {
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

    private int[] intList(String name, String dflt) {
        String v = args.getOrDefault(name, dflt).trim();
        return v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static int max(int[] v) {
        return Arrays.stream(v).max().orElse(1);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
