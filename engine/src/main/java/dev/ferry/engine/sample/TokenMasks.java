package dev.ferry.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * The allowed tokens of a step's constrained rows (structured output), applied to the logits as
 * one upload and one masking op for all of them: disallowed logits become -inf before penalties,
 * temperature and log-probabilities, so the sampled token and the reported distribution are the
 * constrained ones. Rows without a constraint are not touched and cost nothing.
 */
public final class TokenMasks {
    /** For each byte of a bitset, the 8 booleans it holds, as one little-endian long. */
    private static final long[] SPREAD = new long[256];

    static {
        for (int b = 0; b < 256; b++) {
            long v = 0;
            for (int bit = 0; bit < 8; bit++) {
                if ((b & (1 << bit)) != 0) {
                    v |= 1L << (8 * bit);
                }
            }
            SPREAD[b] = v;
        }
    }

    private int[] rows = new int[8];
    private long[][] allowed = new long[8][];
    private int count;
    // reused from step to step: a constrained step uploads count * vocab bytes
    private ByteBuffer upload = ByteBuffer.allocateDirect(0);
    private byte[] spreadRow = new byte[0];

    /** Restricts {@code row} to the tokens set in {@code bits} (bit {@code id & 63} of word {@code id >>> 6}). */
    public void add(int row, long[] bits) {
        if (count == rows.length) {
            rows = Arrays.copyOf(rows, count * 2);
            allowed = Arrays.copyOf(allowed, count * 2);
        }
        rows[count] = row;
        allowed[count++] = bits;
    }

    /** Forgets the rows, keeping the buffers for the next step. */
    public void clear() {
        Arrays.fill(allowed, 0, count, null);
        count = 0;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * Masks the constrained rows of {@code x} ({@code [rows, vocab]} float32) in place and returns
     * it. A bitset shorter than the vocabulary disallows the ids past its end.
     */
    NDArray apply(NDArray x) {
        NDManager m = x.getManager();
        long totalRows = x.getShape().get(0);
        int vocab = (int) x.getShape().get(1);
        NDArray mask = m.create(expand(vocab), new Shape(count, vocab), DataType.BOOLEAN);
        NDArray blocked = m.create(Float.NEGATIVE_INFINITY);
        if (count == totalRows && inOrder()) {
            return NDArrays.where(mask, x, blocked);
        }
        long[] ids = new long[count]; // int64 as it is created: no conversion op on the device
        for (int i = 0; i < count; i++) {
            ids[i] = rows[i];
        }
        NDArray which = m.create(ids);
        NDIndex index = new NDIndex("{}", which);
        x.set(index, NDArrays.where(mask, x.get(index), blocked));
        return x;
    }

    private boolean inOrder() {
        for (int i = 0; i < count; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** The bitsets as row-major booleans, eight at a time. */
    private ByteBuffer expand(int vocab) {
        int paddedRow = (vocab + 7) & ~7;
        if (upload.capacity() < count * vocab) {
            upload = ByteBuffer.allocateDirect(count * vocab);
        }
        if (spreadRow.length < paddedRow) {
            spreadRow = new byte[paddedRow];
        }
        ByteBuffer out = upload.clear();
        LongBuffer spread = ByteBuffer.wrap(spreadRow).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        for (int r = 0; r < count; r++) {
            long[] bits = allowed[r];
            spread.clear();
            for (int i = 0; i < paddedRow / 8; i++) {
                int word = i >>> 3;
                int b = word < bits.length ? (int) (bits[word] >>> (8 * (i & 7))) & 0xff : 0;
                spread.put(SPREAD[b]);
            }
            out.put(spreadRow, 0, vocab);
        }
        return out.flip();
    }
}
