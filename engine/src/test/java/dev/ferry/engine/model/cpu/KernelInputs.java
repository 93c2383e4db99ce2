package dev.ferry.engine.model.cpu;

import com.sun.jna.Memory;
import java.util.SplittableRandom;

/** Inputs for the native kernels' tests: values in [-1, 1), and native memory holding them. */
final class KernelInputs {
    private KernelInputs() {}

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
