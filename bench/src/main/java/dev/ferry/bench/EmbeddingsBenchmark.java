package dev.ferry.bench;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.metrics.EmbeddingMetrics;
import dev.ferry.server.FerryServer;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.onnx.MiniLmFolder;
import dev.ferry.store.tokenizer.ModelTokenizer;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;

/**
 * Ferry's embeddings against LangChain4j's in-process onnxruntime model, on the CPU, one JVM, one
 * run: sentence-transformers/all-MiniLM-L6-v2 converted from LangChain4j's jar
 * ({@link MiniLmFolder}), texts of 8 to 256 tokens. Throughput of {@code ferry serve}'s
 * {@code /v1/embeddings} under {@code --clients} concurrent HTTP clients (one text per request, as
 * a RAG ingester sends them) against {@code OnnxEmbeddingModel.embed} called from as many threads on
 * the same texts; latency at a light load
 * (one client) against the batcher's {@code max-queue-delay}; the latency of a cache hit. Each
 * throughput phase also reports the process's CPU time per embedding: on a machine shared with
 * other work, 32 busy onnxruntime threads take a larger share of the cores than Ferry's few, and CPU
 * time per embedding is the figure that share does not change. onnxruntime runs twice: as
 * LangChain4j's {@code OnnxEmbeddingModel} creates it (a session with onnxruntime's default
 * intra-op pool, one thread per core, shared by the 32 callers), and on a session of one intra-op
 * thread, so that each caller computes its own text with no pool to contend for. Ferry's batches are
 * packed (real tokens only), so they carry no padding and there is no padding fraction to report.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.EmbeddingsBenchmark [--texts 1024] [--clients 32] [--light 200]
 *     [--max-queue-delay 5ms] [--preferred-batch-sizes 8,16,32] [--cpu "lscpu's model name"] [--out results.json]
 * </pre>
 */
public final class EmbeddingsBenchmark {
    private static final String MODEL = "minilm";
    /** Words of ordinary English prose; a text is a random run of them cut to its token budget. */
    private static final String[] WORDS = ("the ferry crossed a river at dawn while passengers read about "
            + "weather markets engines languages history music gardens travel science and small towns where "
            + "people build boats bridges roads schools libraries with care patience skill every season brings "
            + "new questions answers stories from old friends distant cities quiet harbours busy stations").split(" ");

    private final int textCount;
    private final int clients;
    private final int lightRequests;
    private final String maxQueueDelay;
    private final String preferredBatchSizes;
    private final String cpu;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private EmbeddingsBenchmark(Map<String, String> args) {
        textCount = Integer.parseInt(args.getOrDefault("texts", "1024"));
        clients = Integer.parseInt(args.getOrDefault("clients", "32"));
        lightRequests = Integer.parseInt(args.getOrDefault("light", "200"));
        maxQueueDelay = args.getOrDefault("max-queue-delay", "5ms");
        preferredBatchSizes = args.getOrDefault("preferred-batch-sizes", "8,16,32");
        cpu = args.getOrDefault("cpu", "unknown");
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        new EmbeddingsBenchmark(args).run(args.get("out"));
    }

    private void run(String out) throws Exception {
        Path work = Files.createTempDirectory("ferry-bench-embeddings");
        Path store = Files.createDirectories(work.resolve("store"));
        Path folder = MiniLmFolder.write(store.resolve(MODEL));
        Files.writeString(folder.resolve("ferry.properties"),
                "max-queue-delay=" + maxQueueDelay + "\npreferred-batch-sizes=" + preferredBatchSizes + "\n");

        results.put("cpu", cpu);
        results.put("cores", Runtime.getRuntime().availableProcessors());
        results.put("model", "sentence-transformers/all-MiniLM-L6-v2 (fp32, from LangChain4j's ONNX jar)");
        results.put("clients", clients);
        results.put("max_queue_delay", maxQueueDelay);
        results.put("preferred_batch_sizes", preferredBatchSizes);
        results.put("padding", "none: Ferry's batches are packed (real tokens only)");

        // phases get texts of their own: the embedding cache must not answer what is being measured
        List<String> texts;
        int[] tokens;
        try (ModelTokenizer tokenizer = ModelTokenizer.open(folder.resolve(ModelTokenizer.FILE))) {
            texts = texts(tokenizer, 3 * textCount + lightRequests, 8, 256);
            tokens = texts.stream().mapToInt(t -> tokenizer.encode(t, true).length).toArray();
            results.put("text_tokens_mean", Arrays.stream(tokens).average().orElse(0));
        }
        EncoderConfig config;
        try (ModelFolder model = ModelFolder.open(folder)) {
            config = model.encoderConfig();
        }
        results.put("texts", textCount);

        Path onnxFile = MiniLmFolder.extractOnnx(work.resolve("model.onnx"));
        Path onnxTokenizer = MiniLmFolder.untruncatedTokenizer(folder.resolve("tokenizer.json"),
                work.resolve("tokenizer.json"));
        OnnxEmbeddingModel onnx = new OnnxEmbeddingModel(onnxFile, onnxTokenizer, PoolingMode.MEAN);
        EmbeddingModel onnxIntra1 = oneIntraOpThread(onnxFile, onnxTokenizer);
        ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> EngineConfig.DEFAULTS));
        FerryServer server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DISABLED,
                TenantQuotas.unlimited(), Observability.DEFAULTS, EmbeddingCacheConfig.DEFAULTS));
        try {
            server.loadModels();
            String url = "http://127.0.0.1:" + server.httpPort() + "/v1/embeddings";
            List<String> warm = texts.subList(0, Math.min(256, textCount));
            concurrently(warm.size(), i -> onnx.embed(warm.get(i)));
            concurrently(warm.size(), i -> onnxIntra1.embed(warm.get(i)));
            concurrently(warm.size(), i -> post(url, MODEL, warm.get(i)));

            List<String> onnxTexts = texts.subList(textCount, 2 * textCount);
            double onnxRate = rate("onnxruntime", () -> concurrently(textCount, i -> onnx.embed(onnxTexts.get(i))));
            double onnxIntra1Rate = rate("onnxruntime_intra1",
                    () -> concurrently(textCount, i -> onnxIntra1.embed(onnxTexts.get(i))));
            List<String> ferryTexts = texts.subList(2 * textCount, 3 * textCount);
            EmbeddingMetrics.Snapshot before = metrics(registry);
            double ferryRate = rate("ferry", () -> concurrently(textCount, i -> post(url, MODEL, ferryTexts.get(i))));
            EmbeddingMetrics.Snapshot after = metrics(registry);

            results.put("onnxruntime_embeddings_per_s", round(onnxRate));
            results.put("ferry_embeddings_per_s", round(ferryRate));
            results.put("ferry_over_onnxruntime", round(ferryRate / onnxRate));
            results.put("onnxruntime_intra1_embeddings_per_s", round(onnxIntra1Rate));
            results.put("ferry_over_onnxruntime_intra1", round(ferryRate / onnxIntra1Rate));
            results.put("ferry_mean_batch_size", round((after.embeddings() - before.embeddings())
                    / (double) (after.batches() - before.batches())));
            fp32Ceiling(config, tokens, onnxRate, ferryRate);

            List<String> lightTexts = texts.subList(3 * textCount, 3 * textCount + lightRequests);
            Histogram light = new Histogram(3);
            for (String t : lightTexts) {
                light.recordValue(timed(() -> post(url, MODEL, t)));
            }
            Histogram onnxLight = new Histogram(3);
            for (String t : lightTexts) {
                onnxLight.recordValue(timed(() -> onnx.embed(t)));
            }
            report("light_load_ferry", light);
            report("light_load_onnxruntime", onnxLight);
            Histogram hits = new Histogram(3);
            for (String t : lightTexts) {
                hits.recordValue(timed(() -> post(url, MODEL, t)));
            }
            report("cache_hit", hits);
        } finally {
            server.close();
        }
        Report.print(results, out);
    }

    /**
     * How far fp32 can go on this host: the useful work each side did (the encoder's matrix products
     * and attention products per embedding, from the texts' token counts, times its rate) against
     * the host's fp32 matmul ceiling measured now through libtorch (a 2048^3 product, a shape more
     * favourable than any of MiniLM's). {@code ceiling_over_onnxruntime} is the most an fp32 server
     * could reach against onnxruntime here if every one of its cycles went to products at that
     * ceiling: no attention softmax, norms, GELU, tokenizing or HTTP.
     */
    private void fp32Ceiling(EncoderConfig config, int[] tokens, double onnxRate, double ferryRate) {
        long h = config.hiddenSize();
        long dense = config.numLayers() * (4 * h * h + 2 * h * config.intermediateSize()); // q, k, v, out; up, down
        double flops = 0;
        for (int i = textCount; i < 3 * textCount; i++) { // the texts both throughput phases embedded
            flops += 2.0 * dense * tokens[i] + config.numLayers() * 4.0 * tokens[i] * tokens[i] * h;
        }
        double perEmbedding = flops / (2 * textCount);
        double ceiling = MachineCeilings.matmulFlops(NDManager.newBaseManager(Device.cpu()), Device.cpu());
        results.put("gflop_per_embedding", round(perEmbedding / 1e9));
        results.put("onnxruntime_useful_gflops", round(onnxRate * perEmbedding / 1e9));
        results.put("ferry_useful_gflops", round(ferryRate * perEmbedding / 1e9));
        results.put("fp32_matmul_ceiling_gflops", round(ceiling / 1e9));
        results.put("ceiling_over_onnxruntime", round(ceiling / (onnxRate * perEmbedding)));
    }

    /**
     * LangChain4j's model on a session whose intra-op pool is one thread (LangChain4j's own classes:
     * {@link OnnxBertBiEncoder} takes a session, {@link AbstractInProcessEmbeddingModel} wraps it).
     */
    private static EmbeddingModel oneIntraOpThread(Path onnx, Path tokenizer) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        OnnxBertBiEncoder encoder;
        try (InputStream t = Files.newInputStream(tokenizer)) {
            encoder = new OnnxBertBiEncoder(env, env.createSession(onnx.toString(), options), t, PoolingMode.MEAN);
        }
        return new AbstractInProcessEmbeddingModel(null) {
            @Override
            protected OnnxBertBiEncoder model() {
                return encoder;
            }
        };
    }

    /**
     * Texts of random words whose token counts (special tokens included) are spread evenly over
     * [{@code min}, {@code max}], each one different, in a shuffled but repeatable order.
     */
    static List<String> texts(ModelTokenizer tokenizer, int count, int min, int max) {
        SplittableRandom random = new SplittableRandom(42);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int target = min + random.nextInt(max - min + 1);
            StringBuilder text = new StringBuilder("text ").append(i);
            while (tokenizer.encode(text.toString(), true).length < target) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(text.toString());
        }
        return out;
    }

    private void post(String url, String model, String text) {
        String body = "{\"model\":\"" + model + "\",\"input\":" + quote(text) + "}";
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Runs {@code work(0..n-1)} on {@link #clients} threads, each taking the next index until none is left. */
    private void concurrently(int n, IntConsumer work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        work.accept(i);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    /** Inputs per second of {@code textCount} inputs; records the process's CPU milliseconds per input as {@code name_cpu_ms_per_embedding}. */
    private double rate(String name, Work work) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        results.put(name + "_cpu_ms_per_embedding", round((os.getProcessCpuTime() - cpu0) / 1e6 / textCount));
        return textCount / seconds;
    }

    private static long timed(Work work) throws Exception {
        long t0 = System.nanoTime();
        work.run();
        return (System.nanoTime() - t0) / 1000;
    }

    private static EmbeddingMetrics.Snapshot metrics(ModelRegistry registry) {
        return registry.get(MODEL).embedder().batcher().metrics().snapshot();
    }

    private void report(String name, Histogram us) {
        results.put(name + "_p50_ms", round(us.getValueAtPercentile(50) / 1000.0));
        results.put(name + "_p99_ms", round(us.getValueAtPercentile(99) / 1000.0));
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
