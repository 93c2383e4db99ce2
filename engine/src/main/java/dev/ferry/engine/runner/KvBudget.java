package dev.ferry.engine.runner;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import dev.ferry.engine.api.KvDemand;
import dev.ferry.store.config.MemoryBudget;

/**
 * How many bytes a model's paged KV pool may take: the operator's size or fraction of the device's
 * free memory, else the model's slice of a shared device, else the device's default, capped at what
 * the caller's requests need when it knows them, else at what full-length sequences of a large batch
 * need, so that a tiny model does not claim a whole GPU.
 */
public final class KvBudget {
    /** Default KV budget on the CPU, where no device memory query exists. */
    private static final long CPU_DEFAULT_KV_BYTES = 1L << 30;
    /** Sequences the default CPU budget is sized for at full context, so tiny models stay tiny. */
    private static final int CPU_DEFAULT_FULL_SEQUENCES = 64;
    private static final double GPU_DEFAULT_KV_FRACTION = 0.9;
    private static final int GPU_DEFAULT_FULL_SEQUENCES = 256;

    private KvBudget() {}

    /**
     * One model's budget: {@code budget} as given; else the replica's slice of a shared device
     * ({@code ceiling}) or the device's default budget, but never more than the caller's known
     * requests hold ({@code demand}) or, when they are unknown, full-length sequences for a large batch.
     */
    static long forModel(MemoryBudget budget, Long ceiling, KvDemand demand, Device device, long bytesPerToken,
                         int maxLen, int blockSize) {
        if (budget != null) {
            return forDevice(budget, device);
        }
        long enough = bytesPerToken * (demand != null ? demand.tokenSlots(blockSize, maxLen)
                : (long) maxLen * (device.isGpu() ? GPU_DEFAULT_FULL_SEQUENCES : CPU_DEFAULT_FULL_SEQUENCES));
        return Math.min(ceiling != null ? ceiling : forDevice(null, device), enough);
    }

    /** What all KV caches on the named device may take together (see {@link #forDevice(MemoryBudget, Device)}). */
    public static long forDevice(MemoryBudget budget, String device) {
        return forDevice(budget, Devices.parse(device));
    }

    /**
     * What the KV caches on {@code device} may take in all: {@code budget} (a size, or a fraction of
     * the device's free memory), by default 90% of a GPU's free memory or 1 GiB on a CPU.
     */
    static long forDevice(MemoryBudget budget, Device device) {
        if (budget != null) {
            return budget.isFraction() ? budget.resolve(freeBytes(device)) : budget.bytes();
        }
        return device.isGpu() ? (long) (gpuFreeBytes(device) * GPU_DEFAULT_KV_FRACTION) : CPU_DEFAULT_KV_BYTES;
    }

    private static long freeBytes(Device device) {
        return device.isGpu() ? gpuFreeBytes(device) : physicalFreeBytes();
    }

    private static long gpuFreeBytes(Device device) {
        try {
            var usage = CudaUtils.getGpuMemory(device);
            return usage.getMax() - usage.getCommitted();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot query free memory on " + device
                    + "; give --kv-cache-memory as a size (e.g. 8GiB)", e);
        }
    }

    private static long physicalFreeBytes() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getFreeMemorySize();
        }
        return CPU_DEFAULT_KV_BYTES; // no way to ask: the default budget
    }
}
