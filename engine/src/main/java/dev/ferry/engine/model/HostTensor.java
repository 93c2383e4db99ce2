package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.store.safetensors.HalfFloats;
import dev.ferry.store.safetensors.TensorInfo;
import dev.ferry.store.safetensors.WeightIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A weight on the host as float32 while it is reshaped for the device (fused, scaled). F32, F16 and
 * BF16 values are all exact in float32, so nothing is rounded until the final conversion to the
 * compute dtype — and no bfloat16 array ever reaches DJL, whose 0.35.1 natives abort on it.
 */
public final class HostTensor {
    private static final int CACHE_LINE = 64;

    private final float[] data;
    private final long[] shape;

    private HostTensor(float[] data, long[] shape) {
        this.data = data;
        this.shape = shape;
    }

    public static HostTensor read(TensorInfo t) {
        return readRows(t);
    }

    /**
     * Tensors read one after the other into one tensor, concatenated along the first dimension (as
     * {@link #concatRows}, without an array per part: fused q/k/v and gate/up matrices were read
     * twice over, and every fresh array is zeroed and page-faulted in).
     */
    public static HostTensor readRows(TensorInfo... parts) {
        long rows = 0;
        long total = 0;
        for (TensorInfo t : parts) {
            rows += t.shape()[0];
            total += t.numel();
        }
        float[] out = new float[Math.toIntExact(total)];
        int at = 0;
        for (TensorInfo t : parts) {
            readInto(t, out, at);
            at += (int) t.numel();
        }
        long[] shape = parts[0].shape().clone();
        shape[0] = rows;
        return new HostTensor(out, shape);
    }

    private static void readInto(TensorInfo t, float[] out, int at) {
        ByteBuffer b = WeightIndex.map(t);
        int n = Math.toIntExact(t.numel());
        switch (t.dtype()) {
            case F32 -> b.asFloatBuffer().get(out, at, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = HalfFloats.halfToFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = HalfFloats.bf16ToFloat(b.getShort(2 * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = (float) b.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException(t.fileName() + ": tensor " + t.name()
                    + " has dtype " + t.dtype().tag() + ", expected a float type");
        }
    }

    /** Concatenates along the first dimension (row-major, so the bytes simply follow each other). */
    public static HostTensor concatRows(HostTensor... parts) {
        long rows = 0;
        int total = 0;
        for (HostTensor p : parts) {
            rows += p.shape[0];
            total += p.data.length;
        }
        float[] out = new float[total];
        int pos = 0;
        for (HostTensor p : parts) {
            System.arraycopy(p.data, 0, out, pos, p.data.length);
            pos += p.data.length;
        }
        long[] shape = parts[0].shape.clone();
        shape[0] = rows;
        return new HostTensor(out, shape);
    }

    /** Multiplies rows {@code [from, to)} of a 2-D (or the elements of a 1-D) tensor by {@code factor}. */
    public HostTensor scaleRows(long from, long to, double factor) {
        int width = shape.length == 1 ? 1 : (int) shape[1];
        for (int i = (int) from * width; i < (int) to * width; i++) {
            data[i] = (float) (data[i] * factor);
        }
        return this;
    }

    /** Multiplies columns {@code [from, to)} of a 2-D tensor by {@code factor}. */
    public HostTensor scaleColumns(long from, long to, double factor) {
        int width = (int) shape[1];
        for (int r = 0; r < shape[0]; r++) {
            for (int c = (int) from; c < to; c++) {
                data[r * width + c] = (float) (data[r * width + c] * factor);
            }
        }
        return this;
    }

    /** Multiplies column i of a 2-D tensor by {@code scale[i]}: folds a norm's weight into the next layer. */
    public HostTensor scaleColumnsBy(HostTensor scale) {
        int width = (int) shape[1];
        if (scale.data.length != width) {
            throw new IllegalArgumentException("scale has " + scale.data.length + " values for " + width + " columns");
        }
        for (int r = 0; r < shape[0]; r++) {
            for (int c = 0; c < width; c++) {
                data[r * width + c] *= scale.data[c];
            }
        }
        return this;
    }

    /** Adds {@code value} to every element: Gemma stores its norms' scales as offsets from 1. */
    public HostTensor plus(double value) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (data[i] + value);
        }
        return this;
    }

    /** Repeats a 1-D tensor as {@code rows} rows of a 2-D one. */
    public HostTensor repeatAsRows(int rows) {
        float[] out = new float[rows * data.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(data, 0, out, r * data.length, data.length);
        }
        return new HostTensor(out, new long[] {rows, data.length});
    }

    public long[] shape() {
        return shape;
    }

    /** Creates the device array in {@code dtype} (float32, float16 or float64). */
    public NDArray toNDArray(NDManager manager, DataType dtype) {
        ByteBuffer buf = alignedBuffer(data.length * dtype.getNumOfBytes());
        switch (dtype) {
            case FLOAT32 -> buf.asFloatBuffer().put(data);
            case FLOAT64 -> {
                for (int i = 0; i < data.length; i++) {
                    buf.putDouble(8 * i, data[i]);
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < data.length; i++) {
                    buf.putShort(2 * i, HalfFloats.floatToHalf(data[i]));
                }
            }
            default -> throw new IllegalArgumentException("weights cannot be held as " + dtype);
        }
        return manager.create(buf, new Shape(shape), dtype);
    }

    /**
     * A native-order direct buffer whose memory starts on a cache line. DJL computes on a direct
     * buffer's memory in place, and a plain one starts 16 bytes into its allocation: every 64-byte
     * vector load of a weight row then straddles two cache lines (the Java kernels' products of 2
     * rows took 590 µs instead of 350 for 12.6 MB of weights).
     */
    public static ByteBuffer alignedBuffer(int bytes) {
        int lines = (bytes + CACHE_LINE - 1) / CACHE_LINE; // an aligned slice starts and ends on a line
        return ByteBuffer.allocateDirect((lines + 1) * CACHE_LINE).alignedSlice(CACHE_LINE).slice(0, bytes)
                .order(ByteOrder.nativeOrder());
    }
}
