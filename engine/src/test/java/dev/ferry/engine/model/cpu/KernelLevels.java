package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs a kernel test at one instruction-set level, and puts the widest back after it. */
final class KernelLevels {
    private KernelLevels() {
    }

    /** Selects {@code level}; skips the test where the kernels are not built or the CPU lacks it. */
    static void runAt(String level) {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        assumeTrue(NativeKernels.supportedLevels().contains(level),
                "this CPU lacks " + level + " (it has " + NativeKernels.supportedLevels() + "): that level cannot run here");
        assertEquals(level, NativeKernels.select(level));
    }

    /** The level the engine runs at: the widest this CPU has. */
    static void widest() {
        if (NativeKernels.available()) {
            NativeKernels.select(NativeKernels.LEVELS.get(NativeKernels.LEVELS.size() - 1));
        }
    }
}
