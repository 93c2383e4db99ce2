package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The door through which a dense layer reaches the CPU kernels: its product by one of the {@link
 * Kernel}s, computed on the memory of its fp32 {@code [out, in]} weight. Each product
 * is cut in parts shared with the thread's {@link BlasPartner}, which then reads ahead the weight
 * of the layer a step runs next.
 */
public final class HostProduct {
    /** The kernels a host product can run on. */
    public enum Kernel {
        /** The system's OpenBLAS. */
        OPENBLAS,
        /** A SIMD Java kernel (the Vector API): each weight row read once for all input rows. */
        VECTOR,
        /** Ferry's native matrix-vector product with software prefetch, one row at a time. */
        NATIVE
    }

    private final ByteBuffer weight;
    private final Pointer blasWeight;
    private final int in;
    private final int out;

    /** @param weight the layer's fp32 {@code [out, in]} CPU weight, contiguous; its memory must outlive this */
    public HostProduct(NDArray weight, int in, int out) {
        this.weight = OpenBlas.view(weight);
        this.blasWeight = Native.getDirectBufferPointer(this.weight);
        this.in = in;
        this.out = out;
    }

    /** Whether a kernel is on this machine (the library found, the JVM module present). */
    public static boolean available(Kernel kernel) {
        return switch (kernel) {
            case OPENBLAS -> OpenBlas.available();
            case VECTOR -> VectorApi.available();
            case NATIVE -> NativeKernels.available();
        };
    }

    /** Each row's sum of squares, accumulated in double, of a contiguous fp32 CPU tensor {@code x[rows, in]}. */
    public static double[] rowSumsOfSquares(NDArray x, int rows, int in) {
        return OpenBlas.rowSumsOfSquares(x, rows, in);
    }

    /**
     * {@code y = x Wᵀ}, or {@code y += x Wᵀ} when accumulating, then has the partner read ahead.
     *
     * @param x {@code [rows, in]} fp32 on the CPU (a view is copied first)
     * @param y {@code [rows, out]} fp32 on the CPU, contiguous
     * @param rowFactors null, or a factor per row that multiplies that row of the product
     * @param next the host product a step runs after this one, whose weight the partner reads ahead; or null
     */
    public void compute(NDArray x, Kernel kernel, NDArray y, float[] rowFactors, boolean accumulate,
                        HostProduct next) {
        int rows = (int) x.getShape().get(0);
        if (rows == 0) { // a step whose prefill chunks end no prompt samples no rows
            return;
        }
        if (kernel == Kernel.VECTOR) {
            float[] xs = new float[rows * in];
            OpenBlas.view(x).asFloatBuffer().get(xs);
            ByteBuffer ys = OpenBlas.view(y);
            OpenBlas.inParts(in, out, (from, count) -> RowsKernel.product(weight, xs, rows, in, ys, out, from,
                    from + count, rowFactors, accumulate));
        } else if (kernel == Kernel.NATIVE) {
            nativeProduct(x, rows, y, rowFactors, accumulate);
        } else if (accumulate) {
            OpenBlas.addLinear(x, blasWeight, y, rows, in, out);
        } else {
            OpenBlas.linear(x, blasWeight, y, rows, in, out, rowFactors);
        }
        if (next != null) {
            BlasPartner.ofCurrentThread().prefetch(next.blasWeight, (long) next.in * next.out * Float.BYTES);
        }
    }

    /** The product through {@link NativeKernels}, one input row after another, each split like OpenBLAS's. */
    private void nativeProduct(NDArray x, int rows, NDArray y, float[] rowFactors, boolean accumulate) {
        Pointer px = OpenBlas.address(x);
        Pointer py = OpenBlas.address(y);
        float beta = accumulate ? 1f : 0f;
        for (int r = 0; r < rows; r++) {
            Pointer xr = px.share((long) r * in * Float.BYTES);
            long yr = (long) r * out;
            float alpha = rowFactors == null ? 1f : rowFactors[r];
            OpenBlas.inParts(in, out, (from, count) -> NativeKernels.gemv(blasWeight.share((long) from * in * Float.BYTES),
                    xr, py.share((yr + from) * Float.BYTES), count, in, alpha, beta));
        }
    }
}
