package dev.ferry.engine.api;

import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * How to run a model: where, in which dtype, and how much KV cache. Null fields fall back to the
 * model's {@code ferry.properties}, then to defaults ({@code dev.ferry.engine.LoadedModel#load}).
 *
 * @param kvCacheCeiling bytes the default KV budget may not exceed: the replica's slice of a device
 *     that several models share; null for the whole device's default budget
 * @param maxModelLen longest sequence (prompt + output) accepted; defaults to the model's context
 */
public record LoadOptions(String device, TensorDtype dtype, MemoryBudget kvCacheMemory, Long kvCacheCeiling,
                            Integer blockSize, Integer maxModelLen, boolean tuneLinears) {

    public static LoadOptions defaults() {
        return new LoadOptions(null, null, null, null, null, null, true);
    }

    public LoadOptions withDevice(String d) {
        return new LoadOptions(d, dtype, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public LoadOptions withDtype(TensorDtype t) {
        return new LoadOptions(device, t, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public LoadOptions withKvCacheMemory(MemoryBudget m) {
        return new LoadOptions(device, dtype, m, kvCacheCeiling, blockSize, maxModelLen, tuneLinears);
    }

    public LoadOptions withKvCacheCeiling(Long bytes) {
        return new LoadOptions(device, dtype, kvCacheMemory, bytes, blockSize, maxModelLen, tuneLinears);
    }

    public LoadOptions withBlockSize(Integer b) {
        return new LoadOptions(device, dtype, kvCacheMemory, kvCacheCeiling, b, maxModelLen, tuneLinears);
    }

    public LoadOptions withMaxModelLen(Integer n) {
        return new LoadOptions(device, dtype, kvCacheMemory, kvCacheCeiling, blockSize, n, tuneLinears);
    }

    public LoadOptions withTuneLinears(boolean tune) {
        return new LoadOptions(device, dtype, kvCacheMemory, kvCacheCeiling, blockSize, maxModelLen, tune);
    }
}
