package dev.ferry.engine.model.cpu;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs CPU steps of a few tokens on the calling thread alone. Under OMP_WAIT_POLICY=PASSIVE (see
 * {@link OpenBlas#SPLIT}) libtorch's OpenMP workers sleep between parallel regions, so each region
 * pays a wake-up of tens of microseconds on this kind of machine, and a batch-1 decode step has
 * about three dozen small ones (KV gather, batched attention products, softmax): more than the
 * second thread saves them. The dense layers keep both cores, through OpenBLAS or the native
 * kernels and the {@link BlasPartner}, which has the other core to itself meanwhile. Measured on 2 cores, small
 * preset, decode step with the team and without: batch 1 19.2 and 15.0 ms (the partner then still
 * yielding), batch 2 27.9 and 25.9, batch 4 26.4 and 24.8, batch 8 35.3 and 32.4, batch 16 45.6
 * and 48.1, batch 32 83 and 96 (so larger steps keep the team).
 */
public final class SmallStepThreads implements AutoCloseable {
    private static final SmallStepThreads UNCHANGED = new SmallStepThreads(0);
    /** Steps of at most this many tokens run on one thread. */
    static final int MAX_TOKENS = 8;

    /** The calling thread's count to restore on close, or 0 when nothing was changed. */
    private final int restore;

    private SmallStepThreads(int restore) {
        this.restore = restore;
    }

    /**
     * Sets the calling thread's libtorch thread count for a step of {@code tokens} tokens on
     * {@code device}, until the returned scope is closed (on the same thread).
     */
    public static SmallStepThreads forStep(int tokens, Device device) {
        if (tokens > MAX_TOKENS || device.isGpu() || !(OpenBlas.available() || NativeKernels.available())
                || !OpenBlas.SPLIT) {
            return UNCHANGED; // with libtorch's products the team computes the dense layers too
        }
        int current = JniUtils.getNumThreads();
        if (current == 1) {
            return UNCHANGED;
        }
        JniUtils.setNumThreads(1);
        BlasPartner.ofCurrentThread().coreOfItsOwn(true);
        return new SmallStepThreads(current);
    }

    @Override
    public void close() {
        if (restore != 0) {
            BlasPartner.ofCurrentThread().coreOfItsOwn(false);
            JniUtils.setNumThreads(restore);
        }
    }
}
