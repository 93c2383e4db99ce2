package dev.ferry.engine.api;

import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.config.Quantization;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * How to run a model: where, in which dtype, and how much KV cache. Null fields fall back to the
 * model's {@code ferry.properties}, then to defaults ({@code dev.ferry.engine.LoadedModel#load}).
 *
 * @param quantize how dense-layer weights are quantized at load; null for the model's setting (none by default)
 * @param kvCacheCeiling bytes the default KV budget may not exceed: the replica's slice of a device
 *     that several models share; null for the whole device's default budget
 * @param maxModelLen longest sequence (prompt + output) accepted; defaults to the model's context
 * @param kvDemand what the caller's requests, known up front, hold in the KV cache at once: the default
 *     budget is cut to it (a size the operator gives is kept); null when unknown, as for a server
 * @param tuning where the CPU layers' tuned forms are cached ({@link TuningOptions#UNCACHED} by default)
 * @param warmUpKernels whether the Java kernels of small CPU steps are run until compiled before the load
 *     returns (0.7 s on 2 vCPUs), rather than compiled during the first steps (on by default)
 */
public record LoadOptions(String device, TensorDtype dtype, Quantization quantize, MemoryBudget kvCacheMemory, Long kvCacheCeiling,
                            Integer blockSize, Integer maxModelLen, KvDemand kvDemand, TuningOptions tuning,
                          boolean warmUpKernels) {

    public static LoadOptions defaults() {
        return new LoadOptions(null, null, null, null, null, null, null, null, TuningOptions.UNCACHED, true);
    }

    public LoadOptions withDevice(String d) {
        return new LoadOptions(d, dtype, quantize, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withDtype(TensorDtype t) {
        return new LoadOptions(device, t, quantize, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withQuantize(Quantization q) {
        return new LoadOptions(device, dtype, q, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withKvCacheMemory(MemoryBudget m) {
        return new LoadOptions(device, dtype, quantize, m, kvCacheCeiling, blockSize, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withKvCacheCeiling(Long bytes) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, bytes, blockSize, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withBlockSize(Integer b) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, kvCacheCeiling, b, maxModelLen, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withMaxModelLen(Integer n) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, kvCacheCeiling, blockSize, n, kvDemand, tuning, warmUpKernels);
    }

    public LoadOptions withKvDemand(KvDemand d) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, d, tuning, warmUpKernels);
    }

    public LoadOptions withWarmUpKernels(boolean on) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, kvDemand, tuning, on);
    }

    public LoadOptions withTuning(TuningOptions t) {
        return new LoadOptions(device, dtype, quantize, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, kvDemand, t, warmUpKernels);
    }
}
