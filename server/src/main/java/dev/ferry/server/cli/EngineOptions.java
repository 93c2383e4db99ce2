package dev.ferry.server.cli;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.TuningOptions;
import dev.ferry.server.models.DevicePool;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.config.Quantization;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.List;
import picocli.CommandLine.Option;

/** Options that say how a model runs; unset ones fall back to the model's ferry.properties. */
final class EngineOptions {
    @Option(names = "--device", description = "cpu, gpu0, gpu1, ...; for serve a list (gpu0,gpu1) of the devices "
            + "models are placed on (default: ferry.properties, else cpu)")
    String device;

    @Option(names = "--dtype", description = "f32, f16, bf16 or f64 (default: f32 on CPU, f16 on GPU but f32 for "
            + "Gemma 3, whose activations overflow f16); on a CPU f16 and bf16 hold the dense layers' weights in half "
            + "of f32's bytes and compute in f32; bf16 runs on the CPU only")
    String dtype;

    @Option(names = "--quantize", description = "int8: quantize the dense layers' weights at load (one scale per "
            + "output row; CPU only), a quarter of f32's bytes per decode step (default: ferry.properties, else none)")
    String quantize;

    @Option(names = "--kv-cache-memory", description = "KV cache budget: a size (512MiB, 2GB) or a fraction (0.5); "
            + "for serve each device's, shared by the models on it")
    String kvCacheMemory;

    @Option(names = "--max-model-len", description = "longest sequence (prompt + output) in tokens")
    Integer maxModelLen;

    @Option(names = "--block-size", description = "tokens per KV block (default 16)")
    Integer blockSize;

    @Option(names = "--max-num-seqs", description = "sequences per step at most (default 256)")
    Integer maxNumSeqs;

    @Option(names = "--max-num-batched-tokens", description = "tokens per step at most (default 2048)")
    Integer maxNumBatchedTokens;

    @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "reuse KV blocks of shared prompt prefixes (default on)")
    boolean prefixCaching;

    @Option(names = "--retune", description = "time the CPU layers' forms again instead of reading them from the "
            + "tuning cache ($FERRY_HOME/cache/tuning), and replace what it holds")
    boolean retune;

    @Option(names = "--warmup", negatable = true,
            description = "run the Java kernels until compiled and steps of the first requests' shapes (a prefill, "
                    + "decode batches 1-64) before the model is ready, so that the first requests run as fast as later "
                    + "ones (serve: default on; generate: default off, its first request warms it; --no-warmup / "
                    + "--warmup say otherwise); once ready, serve also runs 5,000 gRPC health checks, short streamed "
                    + "completions (see --warmup-requests) and at least 10,000 HTTP refusals over loopback, so that a "
                    + "first burst meets compiled code")
    Boolean warmUp;

    /**
     * Flags first, then the model's ferry.properties, then the defaults.
     *
     * @param warmUpByDefault whether the command warms the model up unless told otherwise
     */
    EngineConfig toEngineConfig(ServingConfig serving, boolean warmUpByDefault) {
        EngineConfig c = EngineConfig.DEFAULTS.withPrefixCaching(prefixCaching).withWarmUp(warmsUp(warmUpByDefault));
        Integer seqs = maxNumSeqs != null ? maxNumSeqs : serving.maxNumSeqs();
        Integer tokens = maxNumBatchedTokens != null ? maxNumBatchedTokens : serving.maxNumBatchedTokens();
        if (seqs != null) {
            c = c.withMaxNumSeqs(seqs);
        }
        if (tokens != null) {
            c = c.withMaxNumBatchedTokens(tokens);
        }
        return c;
    }

    /** Whether the command warms the model up: --[no-]warmup, else the command's default. */
    private boolean warmsUp(boolean byDefault) {
        return warmUp != null ? warmUp : byDefault;
    }

    /** One model on one device, as ferry generate (and embed) runs it: no warm-up unless --warmup. */
    LoadOptions toLoadOptions() {
        return poolLoadOptions(false).withDevice(device).withKvCacheMemory(kvCacheMemory());
    }

    /**
     * What every model of a served pool shares; the pool decides each replica's device and KV budget.
     *
     * @param warmUpByDefault whether the command warms the model up unless told otherwise
     */
    LoadOptions poolLoadOptions(boolean warmUpByDefault) {
        LoadOptions o = LoadOptions.defaults().withMaxModelLen(maxModelLen).withBlockSize(blockSize)
                .withTuning(new TuningOptions(FerryHome.tuningCache(), retune)).withWarmUpKernels(warmsUp(warmUpByDefault));
        if (quantize != null) {
            o = o.withQuantize(parse("--quantize", () -> Quantization.fromUserName(quantize)));
        }
        return dtype == null ? o : o.withDtype(parse("--dtype", () -> TensorDtype.fromUserName(dtype)));
    }

    /** The served pool's devices: those of --device, each with the --kv-cache-memory budget. */
    DevicePool toDevicePool() {
        List<String> devices = device == null ? List.of() : parse("--device", () -> ServingConfig.checkDevices(device));
        return new DevicePool(devices, kvCacheMemory());
    }

    private MemoryBudget kvCacheMemory() {
        return kvCacheMemory == null ? null : parse("--kv-cache-memory", () -> MemoryBudget.parse(kvCacheMemory));
    }

    /** Runs {@code parser}, naming {@code option} in its error. */
    static <T> T parse(String option, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
