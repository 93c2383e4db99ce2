package dev.ferry.server;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.metrics.ServerMetrics;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.stream.StreamStats;
import dev.ferry.store.create.ChatStyle;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A model store holding one tiny random Llama ("tiny", fixed seed, context 256 unless asked) loaded on the CPU,
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
        this(store, keys, limits, engine, tiny().maxPosition());
    }

    /**
     * @param contextLength the model's context length: structured output from random weights needs
     *     room, as a JSON string ends only when a closing quote happens to be drawn
     */
    public ServingFixture(Path store, ApiKeys keys, ServingLimits limits, EngineConfig engine, int contextLength)
            throws IOException {
        this(store, keys, limits, engine, contextLength, ChatStyle.FAMILY);
    }

    /** @param chat the tiny model's chat template: REASONING for a model that thinks */
    public ServingFixture(Path store, ApiKeys keys, ServingLimits limits, EngineConfig engine, int contextLength,
                          ChatStyle chat) throws IOException {
        this.store = store;
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(tiny().withSeed(11).withMaxPosition(contextLength), chat, store.resolve(MODEL));
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), serving -> engine));
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
        create(tiny().withSeed(seed), dir);
    }

    /**
     * A larger tiny Llama (twice the width, twice the layers) with the tiny model's tokenizer, to
     * stand for the large tier beside it; a context of 4096, so one request can keep it busy for seconds.
     */
    public static void createLargerModel(Path dir, long seed) throws IOException {
        ModelSpec t = tiny();
        create(new ModelSpec(t.arch(), 2 * t.hidden(), 2 * t.layers(), t.heads(), t.kvHeads(), 2 * t.headDim(),
                2 * t.intermediate(), t.vocab(), 4096, t.ropeTheta(), t.llama3RopeScaling(), t.normEps(),
                t.tieWordEmbeddings(), t.std(), t.normNoise(), t.dtype(), seed, t.maxMerges()), dir);
    }

    private static ModelSpec tiny() {
        return ModelPreset.fromName("tiny").spec(ModelArch.fromName("llama"));
    }

    private static void create(ModelSpec spec, Path dir) throws IOException {
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(spec, dir);
    }

    @Override
    public void close() {
        registry.close();
        streamExecutor.shutdownNow();
    }
}
