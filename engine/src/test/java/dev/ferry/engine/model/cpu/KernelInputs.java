package dev.ferry.engine.model.cpu;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.SplittableRandom;

/** Inputs for the native kernels' tests: values in [-1, 1), and native memory holding them. */
final class KernelInputs {
    private KernelInputs() {}

    /** Weight rows per part in {@link #inParts}: most test shapes then have several parts and a short last one. */
    private static final int PART_ROWS = 5;

    /**
     * A product through {@link NativeKernels#productParts} as the engine runs it, on two threads at
     * once with one counter, so either thread may compute any part.
     */
    static void inParts(NativeKernels.Product product, Pointer w, Pointer scales, Pointer x, Pointer y, int rows, int in,
                        int n, int ldy, float[] alpha, float beta) {
        Memory next = new Memory(Integer.BYTES);
        next.setInt(0, 0);
        Runnable call = () -> NativeKernels.productParts(product, w, scales, x, y, rows, in, n, ldy, alpha, beta, next,
                PART_ROWS);
        Thread other = new Thread(call);
        other.start();
        call.run();
        try {
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Memory memory(float[] values) {
        Memory m = new Memory((long) values.length * Float.BYTES);
        m.write(0, values, 0, values.length);
        return m;
    }

    static float[] randoms(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
