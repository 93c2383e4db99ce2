package dev.ferry.engine;

import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.KvPoolSize;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.ModelLimits;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.grammar.FormatCompiler;
import dev.ferry.engine.grammar.TokenVocabulary;
import dev.ferry.engine.runner.KvBudget;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * A model folder loaded onto a device, with its KV pool, ready for {@link Engine#start}: the door
 * through which the server loads models and sizes KV budgets, in Ferry's own types (device names
 * such as "cpu" or "gpu0", {@link TensorDtype}), so nothing outside the engine sees its runner,
 * its layers or DJL.
 */
public final class LoadedModel implements AutoCloseable {
    private final ModelRunner runner;
    // fixed once loaded; the server reads both for every request
    private final ModelLimits limits;
    private final KvPoolSize kvPool;
    /** Built on the first structured-output request: reading every token's bytes takes a moment. */
    private volatile TokenVocabulary vocabulary;

    private LoadedModel(ModelRunner runner) {
        this.runner = runner;
        this.limits = new ModelLimits(runner.folder().name(), runner.folder().config().vocabSize(),
                runner.maxModelLen());
        var spec = runner.kvSpec();
        this.kvPool = new KvPoolSize(spec.numBlocks(), spec.blockSize(), spec.totalBytes());
    }

    /**
     * Loads the weights, chooses the layers' forms and allocates the KV pool. Fails with
     * {@link IllegalArgumentException} naming the option, file or tensor at fault.
     */
    public static LoadedModel load(ModelFolder folder, LoadOptions options) {
        return new LoadedModel(ModelRunner.load(folder, options));
    }

    /**
     * What the KV caches on {@code device} may take in all: {@code budget} (a size, or a fraction of
     * the device's free memory), by default 90% of a GPU's free memory or 1 GiB on a CPU.
     */
    public static long deviceKvBudget(MemoryBudget budget, String device) {
        return KvBudget.forDevice(budget, device);
    }

    public ModelFolder folder() {
        return runner.folder();
    }

    /** Ferry's name of the device it runs on: "cpu", "gpu0", ... */
    public String device() {
        return runner.deviceName();
    }

    public boolean onGpu() {
        return !device().equals("cpu");
    }

    /** The dtype the model was asked to run in (f16 on a CPU keeps fp32 activations). */
    public TensorDtype dtype() {
        return runner.dtype();
    }

    /**
     * What besides the weights' content decides the last bits of its outputs, for cache keys: the
     * dtype, and whether its dense layers were quantized to int8 at load.
     */
    public String numerics() {
        return Numerics.of(dtype(), runner.int8Weights());
    }

    public int maxModelLen() {
        return runner.maxModelLen();
    }

    /** What a request must fit in to run on this model: the engine checks it again at submit. */
    public ModelLimits limits() {
        return limits;
    }

    public KvPoolSize kvPool() {
        return kvPool;
    }

    /**
     * Compiles a structured-output format for this model's vocabulary: milliseconds for anything
     * within {@code limits}, an {@link InvalidRequestException} naming the format's field and the
     * part at fault otherwise. The result may be shared by every request that asks for the format.
     */
    public OutputConstraint constraint(OutputFormat format, GrammarLimits limits) {
        return FormatCompiler.compile(format, vocabulary(), limits);
    }

    private TokenVocabulary vocabulary() {
        TokenVocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                v = vocabulary;
                if (v == null) {
                    v = new TokenVocabulary(runner.folder().tokenizer().tokenBytes(),
                            runner.folder().eosTokenIds().stream().mapToInt(Integer::intValue).toArray());
                    vocabulary = v;
                }
            }
        }
        return v;
    }

    ModelRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        runner.close();
    }
}
