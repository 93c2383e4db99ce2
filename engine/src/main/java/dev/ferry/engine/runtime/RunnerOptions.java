package dev.ferry.engine.runtime;

import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.safetensors.TensorDtype;

/**
 * How to run a model: where, in which dtype, and how much KV cache. Null fields fall back to the
 * model's {@code ferry.properties}, then to defaults ({@link ModelRunner#load}).
 *
 * @param maxModelLen longest sequence (prompt + output) accepted; defaults to the model's context
 */
public record RunnerOptions(String device, TensorDtype dtype, MemoryBudget kvCacheMemory, Integer blockSize,
                            Integer maxModelLen, boolean tuneLinears) {

    public static RunnerOptions defaults() {
        return new RunnerOptions(null, null, null, null, null, true);
    }

    public RunnerOptions withDevice(String d) {
        return new RunnerOptions(d, dtype, kvCacheMemory, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withDtype(TensorDtype t) {
        return new RunnerOptions(device, t, kvCacheMemory, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withKvCacheMemory(MemoryBudget m) {
        return new RunnerOptions(device, dtype, m, blockSize, maxModelLen, tuneLinears);
    }

    public RunnerOptions withBlockSize(Integer b) {
        return new RunnerOptions(device, dtype, kvCacheMemory, b, maxModelLen, tuneLinears);
    }

    public RunnerOptions withMaxModelLen(Integer n) {
        return new RunnerOptions(device, dtype, kvCacheMemory, blockSize, n, tuneLinears);
    }

    public RunnerOptions withTuneLinears(boolean tune) {
        return new RunnerOptions(device, dtype, kvCacheMemory, blockSize, maxModelLen, tune);
    }
}
