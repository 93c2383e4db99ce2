package dev.ferry.server.cli;

import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.platform.ComputePriority;
import dev.ferry.server.FerryServer;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.admission.TenantsFile;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.StoreWatcher;
import dev.ferry.server.routing.Routes;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.config.Durations;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code ferry serve}: the server process. Loads every model folder of the store, then keeps
 * following it (new folders load, removed ones drain); with no store given it uses the default one
 * and, when that is empty, creates a tiny demo model in it first, so a fresh checkout has something
 * to serve. SIGTERM and SIGINT shut down gracefully and exit 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the gRPC and HTTP server.")
final class ServeCommand implements Callable<Integer> {
    static final String DEMO_MODEL = "demo";
    private static final Duration WATCH_POLL = Duration.ofMillis(500);
    /** How long a folder must stay unchanged before it loads: a copy in progress keeps changing it. */
    private static final Duration WATCH_SETTLE = Duration.ofSeconds(1);

    @Option(names = "--model-store", description = "folder of model folders (default: $FERRY_HOME/model-store, "
            + "FERRY_HOME defaulting to ~/.ferry; the system property ferry.home overrides it)")
    Path modelStore;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--grpc-port", defaultValue = "50051", description = "gRPC port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int grpcPort;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--max-queue", defaultValue = "1024", description = "requests waiting for their first token per "
            + "model at most; beyond it interactive ones are refused with RESOURCE_EXHAUSTED / HTTP 429 (default ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--max-queue-batch", defaultValue = "256", description = "the same bound for batch-priority "
            + "requests, lower so they are shed first (default ${DEFAULT-VALUE})")
    int maxQueueBatch;

    @Option(names = "--max-waiting-prompt-tokens", defaultValue = "1048576", description = "prompt tokens waiting to "
            + "be prefilled per model at most (batch requests: half of it; default ${DEFAULT-VALUE})")
    long maxWaitingPromptTokens;

    @Option(names = "--max-ttft", description = "refuse a request at once when its estimated time to first token "
            + "(prefill ahead of it, and the wait for a sequence slot when all are taken) exceeds this, e.g. 2s "
            + "(default: no bound)")
    String maxTtft;

    @Option(names = "--engine-nice", defaultValue = "10", description = "added to the nice value of the engine "
            + "threads of each model on the CPU (Linux), so the network threads run first when both want a core: "
            + "refusals and tokens are not held up behind a forward; 0 to leave them alone; GPU engines always run at "
            + "normal priority (default ${DEFAULT-VALUE})")
    int engineNice;

    @Option(names = "--tenants", description = "token budgets per tenant (default: tenants.properties in the model "
            + "store, when present)")
    Path tenants;

    @Option(names = "--api-key", description = "accept requests bearing this key (repeatable); KEY=TENANT accounts "
            + "its requests to TENANT; none means open")
    List<String> apiKeys = List.of();

    @Option(names = "--admin-key", description = "key for admin calls, Models.Load/Unload (repeatable)")
    List<String> adminKeys = List.of();

    @Option(names = "--max-request-bytes", defaultValue = "4194304",
            description = "largest gRPC message or HTTP body (default ${DEFAULT-VALUE})")
    int maxRequestBytes;

    @Option(names = "--max-prompt-tokens", defaultValue = "1048576",
            description = "longest prompt in tokens (the model's context bounds it too; default ${DEFAULT-VALUE})")
    int maxPromptTokens;

    @Option(names = "--strict-fields", description = "refuse request fields the API does not know (HTTP 400 naming"
            + " them) instead of ignoring them and listing them in the x-ferry-ignored-fields response header")
    boolean strictFields;

    @Option(names = "--format-max-bytes", defaultValue = "65536",
            description = "largest structured-output schema, grammar or pattern, in bytes (default ${DEFAULT-VALUE})")
    int formatMaxBytes;

    @Option(names = "--format-max-depth", defaultValue = "64",
            description = "deepest nesting of a structured-output schema or grammar (default ${DEFAULT-VALUE})")
    int formatMaxDepth;

    @Option(names = "--format-max-states", defaultValue = "50000",
            description = "most grammar positions and pattern states one structured-output format may compile to"
                    + " (default ${DEFAULT-VALUE})")
    int formatMaxStates;

    @Option(names = "--shutdown-grace", defaultValue = "30s",
            description = "on SIGTERM, how long requests in flight may run before they are ended (default ${DEFAULT-VALUE})")
    String shutdownGrace;

    @Option(names = "--watch-store", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "load model folders copied into the store once complete, drain and unload removed ones, "
                    + "reload routes.properties when it changes (default on)")
    boolean watchStore;

    @Option(names = "--warmup-requests", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "with the warm-up, once the models are ready: short streamed completions to each through "
                    + "this server's own HTTP port, then Generate calls over gRPC, each until the JIT goes quiet (30 s "
                    + "at most), at batch priority, counted under the tenant ferry-warm-up (default on; "
                    + "--no-warmup-requests leaves the metrics to clients)")
    boolean warmUpRequests;

    @Option(names = "--warm-file", paramLabel = "FILE", description = "JSON Lines of predictable requests (as ferry "
            + "cache warm --requests-file) sent to this server in the background once its models are loaded, so that "
            + "their answers wait in the caches; readiness does not wait for them")
    Path warmFile;

    @Option(names = "--warm-rate", defaultValue = "10", description = "requests per second --warm-file sends at most "
            + "(default ${DEFAULT-VALUE})")
    double warmRate;

    @Mixin
    EngineOptions engine;

    @Mixin
    ResponseCacheOptions responseCache;

    @Mixin
    EmbeddingCacheOptions embeddingCache;

    @Mixin
    ResultsStoreOptions results;

    @Mixin
    ObservabilityOptions observability;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration grace = parseDuration("--shutdown-grace", shutdownGrace);
        Path store = modelStore != null ? modelStore : FerryHome.modelStore();
        if (modelStore == null) {
            ensureDemoModel(store);
        } else if (!Files.isDirectory(store)) {
            throw new IllegalArgumentException("--model-store: " + store + " is not a directory");
        }
        if (engineNice < 0 || engineNice > 19) {
            throw new IllegalArgumentException("--engine-nice: must be between 0 and 19, not " + engineNice);
        }
        if (warmFile != null && !Files.isReadable(warmFile)) {
            throw new IllegalArgumentException("--warm-file: " + warmFile + " cannot be read");
        }
        if (!(warmRate > 0)) {
            throw new IllegalArgumentException("--warm-rate: must be positive, got " + warmRate);
        }
        long maxTtftNanos = maxTtft == null ? 0 : parseDuration("--max-ttft", maxTtft).toNanos();
        AdmissionLimits admission;
        try {
            admission = new AdmissionLimits(maxQueue, maxQueueBatch, maxWaitingPromptTokens, true, maxTtftNanos);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-queue, --max-queue-batch, --max-waiting-prompt-tokens: "
                    + e.getMessage());
        }
        // the engine's hand-off queue only has to hold what admission lets through
        ModelLoader loader = new ModelLoader(engine.poolLoadOptions(true),
                serving -> engine.toEngineConfig(serving, true).withMaxQueuedRequests(Math.max(maxQueue, maxQueueBatch) + 64)
                        .withComputeNice(engineNice),
                admission, engine.toDevicePool());
        var options = new FerryServer.Options(host, grpcPort, httpPort, new ApiKeys(apiKeys, adminKeys),
                new ServingLimits(maxRequestBytes, maxPromptTokens, ServingLimits.DEFAULTS.maxStopStrings(),
                        new GrammarLimits(formatMaxBytes, formatMaxDepth, formatMaxStates,
                                GrammarLimits.DEFAULTS.maxRepeat(), GrammarLimits.DEFAULTS.maxStackDepth()), strictFields),
                FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, responseCache.toConfig(), tenantQuotas(store),
                observability.toObservability(), embeddingCache.toConfig(responseCache.redis), results.toConfig(),
                FerryHome.learnedRoutes());
        CountDownLatch stop = new CountDownLatch(1);
        // Every thread but main is a daemon and main only waits for a signal, so no thread's death
        // ends the process; without this it would go to stderr alone, outside the server's log.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> LoggerFactory.getLogger(ServeCommand.class)
                .error("thread {} ended with an uncaught exception; the server goes on", t.getName(), e));
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        ModelRegistry registry = new ModelRegistry(store, loader, grace);
        FerryServer server = FerryServer.start(registry, options);
        var err = spec.commandLine().getErr();
        err.println("ferry: listening: gRPC port " + server.grpcPort() + ", HTTP port " + server.httpPort()
                + "; model store " + store);
        server.loadModels();
        err.println("ferry: ready: " + server.context().registry().list().stream()
                .map(m -> m.name() + " " + m.state().name().toLowerCase()).toList());
        err.flush();
        if (!Boolean.FALSE.equals(engine.warmUp)) {
            // after the models, whose load and tuning have the CPUs to themselves, and at the engine's nice,
            // below the network threads: live requests are served meanwhile
            Thread warm = new Thread(() -> {
                ComputePriority.lowerCurrentThread(engineNice);
                try {
                    server.warmUpFrontEnds(firstKey(), warmUpRequests);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // shutting down: nothing left to warm
                }
            }, "ferry-warm-front-ends");
            warm.setDaemon(true);
            warm.start();
        }
        if (warmFile != null) {
            StartupWarming.start(warmFile, host, server.httpPort(), firstKey(), warmRate);
        }
        try (StoreWatcher watcher = watchStore ? StoreWatcher.start(registry, Routes.FILE,
                server.context().inference().routing()::reload, WATCH_POLL, WATCH_SETTLE, grace) : null) {
            stop.await();
        }
        server.shutdown(grace);
        return 0;
    }

    /** The first --api-key's key, for the server's requests to itself; null when the API is open. */
    private String firstKey() {
        return apiKeys.isEmpty() ? null : apiKeys.get(0).split("=", 2)[0];
    }

    private TenantQuotas tenantQuotas(Path store) throws IOException {
        Path file = tenants != null ? tenants : store.resolve(TenantsFile.FILE);
        if (tenants == null && !Files.isRegularFile(file)) {
            return TenantQuotas.unlimited();
        }
        try {
            return TenantsFile.read(file);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--tenants: " + e.getMessage(), e);
        }
    }

    static Duration parseDuration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    /** Creates the demo model (tiny Llama, fixed seed) when the store holds no model folder yet. */
    static void ensureDemoModel(Path store) throws IOException {
        if (Files.isDirectory(store)) {
            try (var s = Files.list(store)) {
                if (s.anyMatch(p -> Files.isRegularFile(p.resolve("config.json")))) {
                    return;
                }
            }
        }
        new ModelCreator(System.err).create(ModelPreset.fromName("tiny").spec(ModelArch.fromName("llama")),
                store.resolve(DEMO_MODEL));
    }
}
