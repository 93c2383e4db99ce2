package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The door through which a dense layer reaches the CPU kernels: its product by one of the {@link
 * Kernel}s, computed on the memory of its {@code [out, in]} weight, stored in fp32, fp16, bf16 or
 * int8 with a scale per output row. Each product is cut in parts shared with the thread's {@link
 * BlasPartner}, which then reads ahead the weight of the layer a step runs next.
 */
public final class HostProduct {
    /** The kernels a host product can run on. */
    public enum Kernel {
        /** The system's OpenBLAS (fp32 weights only). */
        OPENBLAS,
        /** A SIMD Java kernel (the Vector API): each weight row read once for all input rows (fp32 only). */
        VECTOR,
        /**
         * Ferry's native products: fp32 for one input row a matrix-vector loop with software
         * prefetch, for more a product in register blocks of 4 weight rows by 3 input rows; fp16, bf16
         * and int8 up to 8 input rows per pass over the weight.
         */
        NATIVE,
        /**
         * Ferry's blocked fp32 product on an int8 or bf16 weight widened to fp32 a block of rows at a
         * time into this thread's scratch (cache-resident): the weight is widened once per call for
         * every input row, where {@link #NATIVE} widens it once per 8.
         */
        WIDENED;

        /**
         * Whether factors per input row cost a call per row: OpenBLAS scales each output row after
         * its GEMM, the other kernels apply them inside the product.
         */
        public boolean scalesRowsOneCallEach() {
            return this == OPENBLAS;
        }
    }

    /** How the weight's values are stored, and the bytes of one. */
    private enum Storage {
        FP32(4), FP16(2), BF16(2), INT8(1);

        final int bytes;

        Storage(int bytes) {
            this.bytes = bytes;
        }
    }

    /** fp32 weight rows an int8 or bf16 product widens at a time: about a quarter of a core's L2 cache. */
    private static final long WIDENED_BYTES = 128 << 10;
    /** Each thread's fp32 rows for {@link #widenedProduct}; grown to the widest layer's block. */
    private static final ThreadLocal<Memory> SCRATCH = new ThreadLocal<>();

    private final Storage storage;
    /** The weight's memory; the Vector API kernel reads an fp32 weight through it. */
    private final ByteBuffer weight;
    private final Pointer address;
    /** An int8 weight's scale per output row (fp32 [out]); null otherwise. */
    private final Pointer scales;
    private final int in;
    private final int out;

    private HostProduct(Storage storage, ByteBuffer weight, NDArray scales, int in, int out) {
        this.storage = storage;
        this.weight = weight;
        this.address = Native.getDirectBufferPointer(weight);
        this.scales = scales == null ? null : OpenBlas.address(scales);
        this.in = in;
        this.out = out;
    }

    /** @param weight the layer's fp32 {@code [out, in]} CPU weight, contiguous; its memory must outlive this */
    public static HostProduct fp32(NDArray weight, int in, int out) {
        return new HostProduct(Storage.FP32, OpenBlas.view(weight), null, in, out);
    }

    /** @param weight the layer's IEEE fp16 {@code [out, in]} CPU weight, contiguous; its memory must outlive this */
    public static HostProduct fp16(NDArray weight, int in, int out) {
        return new HostProduct(Storage.FP16, OpenBlas.view(weight), null, in, out);
    }

    /**
     * @param bits the layer's bfloat16 {@code [out, in]} weight in a direct buffer, contiguous: memory
     *     outside DJL, whose JNI aborts the JVM on a bfloat16 array; it must outlive this
     */
    public static HostProduct bf16(ByteBuffer bits, int in, int out) {
        return new HostProduct(Storage.BF16, bits, null, in, out);
    }

    /**
     * @param values the layer's int8 {@code [out, in]} CPU weight, contiguous
     * @param scales fp32 {@code [out]}: row r of the weight is {@code scales[r] · values[r, :]}
     */
    public static HostProduct int8(NDArray values, NDArray scales, int in, int out) {
        return new HostProduct(Storage.INT8, OpenBlas.view(values), scales, in, out);
    }

    /** Whether a kernel is on this machine (the library found, the JVM module present). */
    public static boolean available(Kernel kernel) {
        return switch (kernel) {
            case OPENBLAS -> OpenBlas.available();
            case VECTOR -> VectorApi.available();
            case NATIVE, WIDENED -> NativeKernels.available();
        };
    }

    /** Whether a kernel is on this machine and computes on fp16 weights. */
    public static boolean availableForFp16(Kernel kernel) {
        return kernel == Kernel.NATIVE && NativeKernels.available();
    }

    /** Whether a kernel is on this machine and computes on int8 or bf16 weights (both are native kernels). */
    public static boolean availableForInt8OrBf16(Kernel kernel) {
        return NativeKernels.available() && (kernel == Kernel.NATIVE || kernel == Kernel.WIDENED);
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
        if (storage != Storage.FP32) {
            if (kernel == Kernel.NATIVE) {
                nativeProduct(x, rows, y, rowFactors, accumulate);
            } else if (kernel == Kernel.WIDENED && (storage == Storage.INT8 || storage == Storage.BF16)) {
                widenedProduct(x, rows, y, rowFactors, accumulate);
            } else {
                throw new IllegalArgumentException(kernel + " does not compute on " + storage + " weights");
            }
        } else if (kernel == Kernel.VECTOR) {
            float[] xs = new float[rows * in];
            OpenBlas.view(x).asFloatBuffer().get(xs);
            ByteBuffer ys = OpenBlas.view(y);
            OpenBlas.inParts(in, out, (from, count) -> RowsKernel.product(weight, xs, rows, in, ys, out, from,
                    from + count, rowFactors, accumulate));
        } else if (kernel == Kernel.NATIVE) {
            nativeProduct(x, rows, y, rowFactors, accumulate);
        } else if (accumulate) {
            OpenBlas.addLinear(x, address, y, rows, in, out);
        } else {
            OpenBlas.linear(x, address, y, rows, in, out, rowFactors);
        }
        if (next != null) {
            BlasPartner.ofCurrentThread().prefetch(next.address, next.weight.capacity());
        }
    }

    /**
     * The product through {@link NativeKernels}, in parts that the kernel claims itself on this
     * thread and its partner: fp32 by the streaming matrix-vector loop for one input row and the
     * blocked product for more; fp16, bf16 and int8 every input row in one pass per part.
     */
    private void nativeProduct(NDArray x, int rows, NDArray y, float[] rowFactors, boolean accumulate) {
        NativeKernels.Product product = switch (storage) {
            case FP32 -> rows == 1 ? NativeKernels.Product.SGEMV : NativeKernels.Product.SGEMM;
            case INT8 -> NativeKernels.Product.Q8GEMM;
            case FP16 -> NativeKernels.Product.F16GEMM;
            case BF16 -> NativeKernels.Product.BF16GEMM;
        };
        Pointer px = OpenBlas.address(x);
        Pointer py = OpenBlas.address(y);
        float beta = accumulate ? 1f : 0f;
        OpenBlas.inNativeParts(in, out, (next, partRows) -> NativeKernels.productParts(product, address, scales, px, py,
                out, in, rows, out, rowFactors, beta, next, partRows));
    }

    /**
     * An int8 or bf16 product for many input rows: each part's weight rows widened to fp32 (int8 ones
     * dequantized) a block at a time into this thread's scratch (cache-resident), then multiplied by
     * the native blocked product, so the weight is widened once per step rather than once per 8 input
     * rows. (OpenBLAS's GEMM packs the block again on every call: on one core of the Zen 3 EPYC, 32
     * input rows by a 42 x 768 block ran at 53 GFLOP/s in OpenBLAS 0.3.21 and 70 in the native product.)
     */
    private void widenedProduct(NDArray x, int rows, NDArray y, float[] rowFactors, boolean accumulate) {
        Pointer px = OpenBlas.address(x);
        Pointer py = OpenBlas.address(y);
        float beta = accumulate ? 1f : 0f;
        int block = (int) Math.max(16, WIDENED_BYTES / ((long) in * Float.BYTES));
        OpenBlas.inParts(in, out, (from, count) -> {
            Pointer scratch = scratch((long) Math.min(block, count) * in * Float.BYTES);
            for (int b = from; b < from + count; b += block) {
                int n = Math.min(block, from + count - b);
                if (storage == Storage.INT8) {
                    NativeKernels.q8Dequantize(rowsAt(b), scales.share((long) b * Float.BYTES), n, in, scratch);
                } else {
                    NativeKernels.bf16Widen(rowsAt(b), n, in, scratch);
                }
                NativeKernels.sgemm(scratch, px, py.share((long) b * Float.BYTES), n, in, rows, out, rowFactors, beta);
            }
        });
    }

    /** The weight from its row {@code row} on. */
    private Pointer rowsAt(int row) {
        return address.share((long) row * in * storage.bytes);
    }

    private static Pointer scratch(long bytes) {
        Memory m = SCRATCH.get();
        if (m == null || m.size() < bytes) {
            m = new Memory(bytes);
            SCRATCH.set(m);
        }
        return m;
    }
}
