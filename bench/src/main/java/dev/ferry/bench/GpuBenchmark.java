package dev.ferry.bench;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.runner.Devices;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

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
    private final GpuResults results;
    private final int prompt;
    private final int newTokens;
    private final int prefillBatch;
    private final int steps;
    private final int warmup;
    private final int enginePrompt;
    private final int engineNew;
    private final EngineConfig engineConfig;

    private GpuBenchmark(Map<String, String> args) {
        this.args = args;
        results = new GpuResults(args.get("out"));
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
            int blockSize = folder.serving().blockSize() != null ? folder.serving().blockSize() : ModelRunner.DEFAULT_BLOCK_SIZE;
            int staticLongest = prompt + Math.max(newTokens, warmup + steps + 1);
            int longest = Math.max(staticLongest, enginePrompt + engineNew);
            // Activations, and with them the KV cache, stay fp32 on a CPU (see ModelRunner): size for that.
            int kvElementBytes = Devices.parse(device).isGpu() ? dtype.bytes() : Math.max(4, dtype.bytes());
            int engineSeqs = Math.max(max(concurrency), Math.min(engineConfig.maxNumSeqs(), 32));
            int staticSeqs = Math.max(Math.max(max(decodeBatches), max(e2eBatches)), prefillBatch);
            long staticTokens = runStatic ? slots(staticLongest, staticSeqs, blockSize) : 0;
            long engineTokens = runEngine ? slots(enginePrompt + engineNew, engineSeqs, blockSize) : 0;
            long kvTokens = Math.max(slots(longest, 1, blockSize), Math.max(staticTokens, engineTokens));
            MemoryBudget kvBudget = args.containsKey("kv-cache") ? MemoryBudget.parse(args.get("kv-cache"))
                    : MemoryBudget.ofBytes(kvTokens * 2L * c.numLayers() * c.numKvHeads() * c.headDim() * kvElementBytes);
            LoadOptions options = LoadOptions.defaults().withDevice(device).withDtype(dtype).withKvCacheMemory(kvBudget)
                    .withBlockSize(blockSize).withMaxModelLen(longest + blockSize);
            try (ModelRunner r = ModelRunner.load(folder, options)) {
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
                results.save();
                if (runStatic) {
                    new GpuStaticSection(results, r, c.vocabSize(), prompt, newTokens, prefillBatch, steps, warmup)
                            .run(decodeBatches, e2eBatches, floorBatches, dense, dtype, kvBytesPerToken);
                }
                if (runEngine) {
                    new GpuEngineSection(results, r, engineConfig, c.vocabSize(), enginePrompt, engineNew,
                            intArg("engine-timeout", 60))
                            .run(concurrency, doubleArg("engine-rate", 8), doubleArg("engine-duration", 20));
                }
            }
        }
        results.put("total_s", ForwardBenchmark.round((System.nanoTime() - t0) / 1e9));
        results.print();
    }

    /** Token slots for {@code seqs} sequences of {@code length} tokens, with one spare block each. */
    private static long slots(int length, int seqs, int blockSize) {
        long perSeq = ((long) length + 2L * blockSize - 1) / blockSize * blockSize;
        return perSeq * seqs;
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

    /** The largest of {@code v}; 1 for none. */
    static int max(int[] v) {
        return Arrays.stream(v).max().orElse(1);
    }
}
