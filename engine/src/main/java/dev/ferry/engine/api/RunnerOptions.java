package dev.ferry.engine.api;

import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * How to run a model: where, in which dtype, and how much KV cache. Null fields fall back to the
 * model's {@code ferry.properties}, then to defaults ({@link ModelRunner#load}).
 *
 * @param kvCacheCeiling bytes the default KV budget may not exceed: the replica's slice of a device
 *     that several models share; null for the whole device's default budget
 * @param maxModelLen longest sequence (prompt + output) accepted; defaults to the model's context
 */
public record RunnerOptions(String device, TensorDtype dtype, MemoryBudget kvCacheMemory, Long kvCacheCeiling,
                            Integer blockSize, Integer maxModelLen, boolean tuneLinears) {

    public static RunnerOptions defaults() {
        return new RunnerOptions(null, null, null, null, null, null, true);
    }

    public RunnerOptions withDevice(String d) {
        return new RunnerOptions(d, dtype, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withDtype(TensorDtype t) {
        return new RunnerOptions(device, t, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withKvCacheMemory(MemoryBudget m) {
        return new RunnerOptions(device, dtype, m, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withKvCacheCeiling(Long bytes) {
        return new RunnerOptions(device, dtype, kvCacheMemory, bytes, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withBlockSize(Integer b) {
        return new RunnerOptions(device, dtype, kvCacheMemory, kvCacheCeiling, b, maxModelLen, tuneLinears);
    }

    public RunnerOptions withMaxModelLen(Integer n) {
        return new RunnerOptions(device, dtype, kvCacheMemory, kvCacheCeiling, blockSize, n, tuneLinears);
    }

    public RunnerOptions withTuneLinears(boolean tune) {
        return new RunnerOptions(device, dtype, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tune);
    }
}
