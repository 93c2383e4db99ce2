package dev.ferry.engine.model.cpu;

/**
 * Rotary position embedding as the host kernels need it: one position's cos and sin rows, and the
 * rotation of heads in place with them, in the same float operations as the device's rotation so
 * that both paths give the same bits.
 */
public interface HostRope {

    /** The cos (index 0) and sin (1) rows of one table row: a position (LongRoPE's long set follows the short one). */
    float[][] hostRows(int row);

    /** Rotates {@code heads} heads of {@code x} in place from {@code offset}, with rows from {@link #hostRows}. */
    void rotateOnHost(float[] x, int offset, int heads, float[][] cosSin);
}
