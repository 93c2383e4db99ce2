package dev.ferry.engine.model.cpu;

/**
 * Rotary position embedding as the host kernels need it: one position's cos and sin rows, and the
 * rotation of heads in place with them, in the same float operations as the device's rotation so
 * that both paths give the same bits.
 */
public interface HostRope {

    /**
     * The cos and sin rows of one table row (a position; LongRoPE's long set follows the short one):
     * {@code headDim} cosines at {@code at} of {@code into}, then as many sines.
     */
    void hostRows(int row, float[] into, int at);

    /** Rotates {@code heads} heads of {@code x} in place from {@code offset}, with the rows {@link #hostRows} put at {@code at}. */
    void rotateOnHost(float[] x, int offset, int heads, float[] cosSin, int at);

    /** Half the rotary dims: each head's dims {@code i} and {@code rotaryHalf() + i} turn together, for {@code i < rotaryHalf()}. */
    int rotaryHalf();
}
