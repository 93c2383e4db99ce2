package dev.ferry.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The machine's own ceilings, measured through the same DJL engine the model uses: memory-read
 * bandwidth (a reduction over arrays far larger than the caches) and the dense matmul rate.
 */
final class MachineCeilings {
    private static final int REPEATS = 7;

    private MachineCeilings() {}

    /** Bytes per second read by summing 1 GiB of float32, rotating over two buffers so no cache helps. */
    static double memoryReadBandwidth(NDManager manager, Device device) {
        return memoryReadBandwidth(manager, device, 128L << 20, 1); // 128 Mi floats = 512 MiB each
    }

    /**
     * The same over two buffers of {@code floats} float32 each, queueing {@code sumsPerSync} sums
     * between host syncs: on a GPU one sum of 1 GiB takes about as long as the sync after it.
     */
    static double memoryReadBandwidth(NDManager manager, Device device, long floats, int sumsPerSync) {
        try (manager) {
            NDArray[] bufs = {manager.ones(new Shape(floats)), manager.ones(new Shape(floats))};
            double[] t = new double[REPEATS];
            for (int r = 0; r < REPEATS; r++) {
                long s = System.nanoTime();
                for (int k = 0; k < sumsPerSync; k++) {
                    try (NDArray sum = bufs[(r * sumsPerSync + k) % 2].sum()) {
                        if (k == sumsPerSync - 1) {
                            sum.toFloatArray(); // the copy to the host waits for every queued sum
                        }
                    }
                }
                t[r] = (System.nanoTime() - s) / 1e9;
            }
            return floats * 4.0 * sumsPerSync / ForwardBenchmark.median(t);
        }
    }

    /** FLOP per second of a 2048^3 float32 matmul (4096^3 float16 on a GPU). */
    static double matmulFlops(NDManager manager, Device device) {
        try (manager) {
            int n = device.isGpu() ? 8192 : 2048;
            DataType type = device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            NDArray a = manager.randomNormal(new Shape(n, n)).toType(type, false);
            NDArray b = manager.randomNormal(new Shape(n, n)).toType(type, false);
            double[] t = new double[REPEATS];
            for (int r = 0; r < REPEATS; r++) {
                long s = System.nanoTime();
                try (NDArray c = a.matMul(b); NDArray one = c.get("0, 0")) {
                    one.toFloatArray(); // forces completion on asynchronous devices
                }
                t[r] = (System.nanoTime() - s) / 1e9;
            }
            return 2.0 * n * n * n / ForwardBenchmark.median(t);
        }
    }
}
