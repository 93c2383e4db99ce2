package dev.ferry.engine.runner;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TuningOptions;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.model.DecoderModel;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.LinearTuner;
import dev.ferry.engine.model.OpCounter;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.StepInputs;
import dev.ferry.engine.model.TuningCache;
import dev.ferry.engine.model.TuningHost;
import dev.ferry.engine.model.cpu.SmallStepThreads;
import dev.ferry.engine.platform.NativeAllocator;
import dev.ferry.engine.platform.OneShotThread;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.ModelKind;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model instance on one device: its weights, its paged KV pool, and the forward step
 * over a {@link ForwardBatch}. Owned by a single thread (the engine loop, or a benchmark).
 */
public final class ModelRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRunner.class);
    public static final int DEFAULT_BLOCK_SIZE = 16;

    private final ModelFolder folder;
    private final NDManager manager;
    private final DecoderModel model;
    private final KvCache kv;
    private final int maxModelLen;
    private final TensorDtype dtype;
    private final boolean int8;

    private ModelRunner(ModelFolder folder, NDManager manager, DecoderModel model, KvCache kv, int maxModelLen,
                        TensorDtype dtype, boolean int8) {
        this.folder = folder;
        this.dtype = dtype;
        this.int8 = int8;
        this.manager = manager;
        this.model = model;
        this.kv = kv;
        this.maxModelLen = maxModelLen;
    }

    public static ModelRunner load(ModelFolder folder, LoadOptions options) {
        // on a thread that ends with the load, so no OpenMP team outlives it beside the engine loop's
        return OneShotThread.call("ferry-load-" + folder.name(), () -> loadHere(folder, options));
    }

    private static ModelRunner loadHere(ModelFolder folder, LoadOptions options) {
        if (folder.kind() != ModelKind.DECODER) {
            throw Models.encoder(folder);
        }
        ServingConfig serving = folder.serving();
        RunTarget target = RunTarget.of(options, serving, folder.architecture());
        Device device = target.device();
        TensorDtype requested = target.requested();
        Precision precision = target.precision();
        DataType dtype = precision.activations();
        int maxLen = options.maxModelLen() != null ? options.maxModelLen()
                : serving.maxModelLen() != null ? serving.maxModelLen() : folder.config().maxPositions();
        if (maxLen > folder.config().maxPositions() && folder.architecture() == dev.ferry.store.config.Architecture.GPT2) {
            throw new IllegalArgumentException("max model length " + maxLen + " exceeds GPT-2's n_positions "
                    + folder.config().maxPositions());
        }
        int blockSize = options.blockSize() != null ? options.blockSize()
                : serving.blockSize() != null ? serving.blockSize() : DEFAULT_BLOCK_SIZE;
        NativeAllocator.keepLargeBlocks();
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            long t0 = System.nanoTime();
            DecoderModel model = Models.load(folder, manager.newSubManager(), precision, maxLen);
            long loaded = System.nanoTime();
            LOG.info("read {} weights in {} ms", folder.name(), (loaded - t0) / 1_000_000);
            if (!device.isGpu()) {
                LinearTuner.tune(model.linears(), manager, tuningCache(options.tuning()));
            }
            long tuned = System.nanoTime();
            if (precision.int8()) {
                logInt8(folder, model.linears());
            }
            if (options.warmUpKernels()) {
                model.warmUp();
            }
            long kernelsWarm = System.nanoTime();
            var c = folder.config();
            long budget = KvBudget.forModel(options.kvCacheMemory() != null ? options.kvCacheMemory()
                    : serving.kvCacheMemory(), options.kvCacheCeiling(), options.kvDemand(), device,
                    KvCacheSpec.bytesPerToken(c.numLayers(), c.numKvHeads(), c.headDim(), dtype), maxLen, blockSize);
            int blocks = KvCacheSpec.blocksFor(budget, blockSize, c.numLayers(), c.numKvHeads(), c.headDim(), dtype);
            if ((long) blocks * blockSize < maxLen) {
                throw new IllegalArgumentException("KV cache of " + budget + " bytes holds " + (long) blocks * blockSize
                        + " tokens, less than one sequence of max model length " + maxLen
                        + "; raise --kv-cache-memory or lower --max-model-len");
            }
            KvCacheSpec spec = new KvCacheSpec(blocks, blockSize, c.numLayers(), c.numKvHeads(), c.headDim(), dtype);
            KvCache kv = new KvCache(spec, manager);
            LOG.info("loaded {} ({}) on {} as {} in {} ms (weights {} ms, linear forms {} ms, kernel warm-up {} ms); "
                    + "KV cache {} blocks x {} tokens ({} MiB)", folder.name(), c.architecture().hfClass(), device, dtype,
                    (System.nanoTime() - t0) / 1_000_000, (loaded - t0) / 1_000_000, (tuned - loaded) / 1_000_000,
                    (kernelsWarm - tuned) / 1_000_000, blocks, blockSize, spec.totalBytes() >> 20);
            return new ModelRunner(folder, manager, model, kv, maxLen, requested, precision.int8());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** What quantizing saved: the dense layers' bytes in int8 against the same layers in fp32. */
    private static void logInt8(ModelFolder folder, List<Linear> linears) {
        long held = 0;
        long fp32 = 0;
        for (Linear l : linears) {
            held += l.weightBytes();
            fp32 += l.inFeatures() * l.outFeatures() * Float.BYTES;
        }
        LOG.info("{}: {} dense layers quantized to int8 (per output row): {} MiB of weights, {} MiB in fp32, {} MiB "
                + "saved (a tied head's int8 copy included)", folder.name(), linears.size(), held >> 20, fp32 >> 20,
                (fp32 - held) >> 20);
    }

    private static TuningCache tuningCache(TuningOptions tuning) {
        return tuning.cacheFolder() == null ? TuningCache.none()
                : TuningCache.open(tuning.cacheFolder(), TuningHost.current(), tuning.retune());
    }

    /**
     * The dtypes a requested model dtype runs in. fp16 and bf16 on a CPU mean fp16 or bf16 weights
     * with fp32 activations ({@link Precision}); bf16 on a GPU is refused before any array exists.
     */
    public static Precision precision(TensorDtype dtype, Device device) {
        return switch (dtype) {
            case F32 -> Precision.uniform(DataType.FLOAT32);
            case F16 -> device.isGpu() ? Precision.uniform(DataType.FLOAT16) : Precision.halfWeights();
            case F64 -> Precision.uniform(DataType.FLOAT64);
            case BF16 -> {
                if (device.isGpu()) {
                    throw new IllegalArgumentException("dtype bf16 runs on the CPU only (bf16 weights in Ferry's own "
                            + "kernels, fp32 activations), not on " + Devices.name(device) + ": DJL's JNI (0.35.1 and "
                            + "0.36.0 alike) aborts the JVM on any bfloat16 array. Use --dtype f16 (dtype=f16 in "
                            + "ferry.properties) there; BF16 checkpoints are converted on load");
                }
                yield Precision.bf16Weights();
            }
            default -> throw new IllegalArgumentException("dtype " + dtype.torchName() + " cannot run a model");
        };
    }

    /** A child manager for one step's temporaries; close it when the step's results are read. */
    public NDManager newStepManager() {
        return manager.newSubManager();
    }

    /** Runs one flattened forward step; logits {@code [rows, vocab]} float32 live in {@code step}. */
    public NDArray forward(ForwardBatch batch, NDManager step) {
        return forward(batch, step, null);
    }

    /** {@link #forward(ForwardBatch, NDManager)} counting the step's ops in {@code counter} (null for none). */
    public NDArray forward(ForwardBatch batch, NDManager step, OpCounter counter) {
        try (SmallStepThreads threads = SmallStepThreads.forStep(batch.numTokens(), device())) {
            StepInputs in = StepInputs.upload(batch, kv, step, counter);
            return model.forward(in, kv);
        }
    }

    public ModelFolder folder() {
        return folder;
    }

    public DecoderModel model() {
        return model;
    }

    public KvCacheSpec kvSpec() {
        return kv.spec();
    }

    public int maxModelLen() {
        return maxModelLen;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** Ferry's name of {@link #device()}: "cpu", "gpu0", ... */
    public String deviceName() {
        return Devices.name(device());
    }

    /** The dtype the model was asked to run in (f16 on a CPU keeps fp32 activations, see {@link Precision}). */
    public TensorDtype dtype() {
        return dtype;
    }

    /** Whether its dense layers hold int8 weights (quantize=int8). */
    public boolean int8Weights() {
        return int8;
    }

    @Override
    public void close() {
        kv.close();
        model.close();
        manager.close();
    }
}
