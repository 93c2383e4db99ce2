package dev.ferry.server.models;

import dev.ferry.engine.Engine;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.embed.Embedder;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.ModelKind;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.config.ServingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Opens a model folder and loads what its kind serves: a generator's replicas placed on the pool's
 * devices, each with its slice of the device's KV budget and its engine loop; or an embedding
 * model's encoder and batcher, on the device its ferry.properties (else the load options) name,
 * which holds no KV cache and so takes no part in the split.
 */
public final class ModelLoader {
    private final LoadOptions loadOptions;
    private final Function<ServingConfig, EngineConfig> engineConfig;
    private final AdmissionLimits admissionLimits;
    private final DevicePool devices;

    /**
     * Every model on the device its ferry.properties names (else the CPU), with the device's default
     * KV budget and the default admission limits.
     */
    public ModelLoader(LoadOptions loadOptions, Function<ServingConfig, EngineConfig> engineConfig) {
        this(loadOptions, engineConfig, AdmissionLimits.DEFAULTS);
    }

    public ModelLoader(LoadOptions loadOptions, Function<ServingConfig, EngineConfig> engineConfig,
                       AdmissionLimits admissionLimits) {
        this(loadOptions, engineConfig, admissionLimits, new DevicePool(List.of(), (MemoryBudget) null));
    }

    /**
     * @param engineConfig batching limits for a model, given its ferry.properties (flags override them)
     * @param admissionLimits what may wait for each loaded replica
     * @param devices where replicas go and how much KV cache each may take
     */
    public ModelLoader(LoadOptions loadOptions, Function<ServingConfig, EngineConfig> engineConfig,
                       AdmissionLimits admissionLimits, DevicePool devices) {
        this.loadOptions = loadOptions;
        this.engineConfig = engineConfig;
        this.admissionLimits = admissionLimits;
        this.devices = devices;
    }

    /** Places a generator's replicas before any model loads, so that the even KV split counts it. */
    void reserve(Path dir, ServingConfig config) {
        if (ModelFolder.kindOf(dir) == ModelKind.DECODER) {
            devices.reserve(dir.getFileName().toString(), config);
        }
    }

    /**
     * The model of folder {@code dir}, ready to serve. Fails with a message naming the file, key or
     * tensor at fault; nothing stays allocated or placed then.
     */
    ServedModel load(Path dir) {
        String name = dir.getFileName().toString();
        ModelFolder folder = ModelFolder.open(dir);
        try {
            return folder.kind() == ModelKind.ENCODER ? ServedModel.ready(name, Embedder.start(folder, loadOptions))
                    : ServedModel.ready(name, replicas(name, folder));
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    private List<ServedModel.Instance> replicas(String name, ModelFolder folder) {
        List<ServedModel.Instance> loaded = new ArrayList<>();
        try {
            List<String> places = devices.reserve(name, folder.serving());
            EngineConfig config = engineConfig.apply(folder.serving());
            ChatTemplate template = ChatTemplate.of(folder.tokenizerConfig(), folder.serving(), folder.tokenizer());
            for (int i = 0; i < places.size(); i++) {
                LoadOptions options = loadOptions.withDevice(places.get(i))
                        .withKvCacheCeiling(devices.ceiling(name, i));
                ServedModel.Instance replica = replica(folder, options, config, template);
                loaded.add(replica);
                devices.loaded(name, i, replica.loaded().kvPool().totalBytes());
            }
            return loaded;
        } catch (RuntimeException e) {
            loaded.forEach(r -> r.close(Duration.ZERO));
            release(name);
            throw e;
        }
    }

    /** The model is gone: its devices' memory is free for others. */
    void release(String name) {
        devices.release(name);
    }

    private ServedModel.Instance replica(ModelFolder folder, LoadOptions options, EngineConfig config,
                                         ChatTemplate template) {
        LoadedModel loaded = LoadedModel.load(folder, options);
        try {
            // a GPU engine's loop thread is what keeps the GPU fed: it yields to nobody
            EngineConfig own = loaded.onGpu() ? config.withComputeNice(0) : config;
            Engine engine = Engine.start(loaded, own);
            return new ServedModel.Instance(folder, loaded, engine, own, template,
                    new Admission(admissionLimits, engine.metrics().rates()));
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }
}
