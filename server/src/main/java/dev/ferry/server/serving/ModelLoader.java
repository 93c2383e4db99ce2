package dev.ferry.server.serving;

import dev.ferry.engine.admit.Admission;
import dev.ferry.engine.admit.AdmissionLimits;
import dev.ferry.engine.api.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.ServingConfig;
import java.nio.file.Path;
import java.util.function.Function;

/** Opens a model folder, loads it onto its device and starts its engine loop. */
public final class ModelLoader {
    private final RunnerOptions runnerOptions;
    private final Function<ServingConfig, EngineConfig> engineConfig;
    private final AdmissionLimits admissionLimits;

    /**
     * @param engineConfig batching limits for a model, given its ferry.properties (flags override them)
     * @param admissionLimits what may wait for each loaded model
     */
    public ModelLoader(RunnerOptions runnerOptions, Function<ServingConfig, EngineConfig> engineConfig,
                       AdmissionLimits admissionLimits) {
        this.runnerOptions = runnerOptions;
        this.engineConfig = engineConfig;
        this.admissionLimits = admissionLimits;
    }

    public ModelLoader(RunnerOptions runnerOptions, Function<ServingConfig, EngineConfig> engineConfig) {
        this(runnerOptions, engineConfig, AdmissionLimits.DEFAULTS);
    }

    /** Fails with a message naming the file, key or tensor at fault; nothing stays allocated then. */
    public ServedModel.Instance load(Path dir) {
        ModelFolder folder = ModelFolder.open(dir);
        ModelRunner runner = null;
        try {
            runner = ModelRunner.load(folder, runnerOptions);
            EngineConfig config = engineConfig.apply(folder.serving());
            Engine engine = Engine.start(runner, config);
            return new ServedModel.Instance(folder, runner, engine, config, ChatTemplate.of(folder.tokenizerConfig()),
                    new Admission(admissionLimits, engine.metrics().rates()));
        } catch (RuntimeException e) {
            if (runner != null) {
                runner.close();
            }
            folder.close();
            throw e;
        }
    }
}
