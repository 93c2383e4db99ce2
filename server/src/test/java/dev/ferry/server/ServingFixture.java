package dev.ferry.server;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.server.metrics.ServerMetrics;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ModelLoader;
import dev.ferry.server.serving.ModelRegistry;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.stream.StreamStats;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A model store holding one tiny random Llama ("tiny", fixed seed, context 256) loaded on the CPU,
 * and the serving context over it: what the server tests run against.
 */
public final class ServingFixture implements AutoCloseable {
    public static final String MODEL = "tiny";

    public final Path store;
    public final ModelRegistry registry;
    public final ServerContext context;
    private final ExecutorService streamExecutor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-stream");
        t.setDaemon(true);
        return t;
    });

    public ServingFixture(Path store, ApiKeys keys, ServingLimits limits, EngineConfig engine) throws IOException {
        this.store = store;
        createTinyModel(store.resolve(MODEL));
        registry = new ModelRegistry(store, new ModelLoader(RunnerOptions.defaults(), serving -> engine));
        registry.loadAll();
        ServerMetrics metrics = ServerMetrics.countingOnly();
        context = new ServerContext(new Inference(registry, limits, null, metrics), keys, new StreamStats(), streamExecutor,
                metrics);
    }

    public ServingFixture(Path store) throws IOException {
        this(store, ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS);
    }

    public static void createTinyModel(Path dir) throws IOException {
        createTinyModel(dir, 11);
    }

    /** The tiny model with other random weights for another seed. */
    public static void createTinyModel(Path dir, long seed) throws IOException {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new ModelCreator(quiet).create(ModelPreset.fromName("tiny").spec(ModelArch.fromName("llama")).withSeed(seed), dir);
    }

    @Override
    public void close() {
        registry.close();
        streamExecutor.shutdownNow();
    }
}
