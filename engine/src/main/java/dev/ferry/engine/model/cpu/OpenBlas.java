package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fp32 matrix products through the system's OpenBLAS, on the memory of DJL's CPU tensors. On the
 * 2-core machine we measure on, libtorch's bundled MKL streams a matrix-vector product at
 * 15-21 GB/s with two threads while OpenBLAS reaches 26-28 GB/s with one and 36-46 GB/s split over
 * two, and at 32 rows split OpenBLAS runs 123-149 GFLOP/s against MKL's 96-115. {@link LinearTuner}
 * offers it as one more form and keeps it only where it measures faster. OpenBLAS is optional:
 * without it ({@code apt-get install libopenblas0-pthread}), or with {@code -Dferry.openblas=false},
 * {@link #available()} is false and layers keep to libtorch's forms. The splitting of a product
 * into parts shared with a {@link BlasPartner} ({@link #inParts}) and the helpers on tensors'
 * memory serve every host form (the Vector API kernel and the native kernels too).
 */
final class OpenBlas {
    private static final Logger LOG = LoggerFactory.getLogger(OpenBlas.class);
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    private static final String SWITCH = "ferry.openblas";
    /** The runtime package ships only the versioned name; a development install adds the plain one. */
    private static final String[] NAMES = {"openblas", "libopenblas.so.0"};
    /**
     * dlopen flags RTLD_LAZY without RTLD_GLOBAL (JNA's default adds it). Opened globally, OpenBLAS's
     * {@code sgemm_} would take the place of MKL's inside libtorch: every torch matrix product would
     * run on OpenBLAS (measured: prefill 740 to 534 tokens/s).
     */
    private static final Map<String, Object> OPEN_LOCAL = Map.of(Library.OPTION_OPEN_FLAGS, 1);
    private static final boolean AVAILABLE = load();
    /**
     * Products run on two threads (this one and its {@link BlasPartner}) only when libtorch's OpenMP
     * workers sleep between parallel regions (OMP_WAIT_POLICY=PASSIVE, which the launchers set):
     * by default they spin after every torch op and the partner would wait behind them for a
     * scheduler tick. Measured on 2 cores, small preset: batch-32 step 89 ms with libtorch's products,
     * 74 ms split; split but with spinning workers, 108 ms.
     */
    static final boolean SPLIT = "passive".equalsIgnoreCase(System.getenv("OMP_WAIT_POLICY"))
            && Runtime.getRuntime().availableProcessors() > 1;
    static final long PART_BYTES = 512 << 10;
    static final int MAX_PARTS = 32;
    /** Each engine thread's part counter for {@link #inNativeParts} (its partner shares it through the call). */
    private static final ThreadLocal<Memory> PART_COUNTER = ThreadLocal.withInitial(() -> new Memory(Integer.BYTES));

    private OpenBlas() {}

    static boolean available() {
        return AVAILABLE;
    }

    /**
     * {@code y[rows, out] = x[rows, in] · w[out, in]ᵀ}, all contiguous fp32 CPU tensors ({@code x} is
     * made contiguous if it is a view); one GEMV per part when {@code rows} is 1.
     *
     * @param rowFactors null, or a factor per row that multiplies that row of {@code y}
     */
    static void linear(NDArray x, Pointer w, NDArray y, int rows, int in, int out, float[] rowFactors) {
        linear(x, w, y, rows, in, out, partColumnsHere(in, out), rowFactors, false);
    }

    /** {@code y[rows, out] += x[rows, in] · w[out, in]ᵀ}: the product added into {@code y} as BLAS computes it (beta 1). */
    static void addLinear(NDArray x, Pointer w, NDArray y, int rows, int in, int out) {
        linear(x, w, y, rows, in, out, partColumnsHere(in, out), null, true);
    }

    /**
     * @param partColumns output columns per part (a multiple of 16: whole cache lines of y); see {@link #inParts}
     * @param accumulate whether the product is added to {@code y} rather than stored; then
     *     {@code rowFactors} must be null
     */
    static void linear(NDArray x, Pointer w, NDArray y, int rows, int in, int out, int partColumns, float[] rowFactors,
                       boolean accumulate) {
        if (accumulate && rowFactors != null) {
            throw new IllegalArgumentException("row factors scale the whole output row, which an accumulated product shares");
        }
        Pointer px = address(x);
        Pointer py = address(y);
        float beta = accumulate ? 1f : 0f;
        inPartsOf(partColumns, out, (from, count) -> product(px, w, py, rows, in, from, count, out, rowFactors, beta));
    }

    /** Output columns {@code [from, from + count)} of a product. */
    interface Columns {
        void compute(int from, int count);
    }

    /** Computes the {@code out} columns of a product with an {@code [out, in]} weight in parts (see {@link #partColumns}). */
    static void inParts(int in, int out, Columns columns) {
        inPartsOf(partColumnsHere(in, out), out, columns);
    }

    /** A native product that claims its own parts of {@code partColumns} columns from the counter at {@code next}. */
    interface NativeParts {
        void compute(Pointer next, int partColumns);
    }

    /**
     * {@link #inParts} for a product whose native kernel claims the parts itself: one call here and
     * at most one on the partner, sharing a counter, so a part costs an atomic increment where a
     * call per part cost a JNA crossing (about 0.6 us; an int8 batch-1 step has some 600 parts).
     */
    static void inNativeParts(int in, int out, NativeParts product) {
        int partColumns = partColumnsHere(in, out);
        Pointer next = PART_COUNTER.get();
        next.setInt(0, 0);
        if (partColumns >= out) {
            product.compute(next, out);
            return;
        }
        // two offers: the partner takes one if it comes in time, and a late one finds no part left
        BlasPartner.ofCurrentThread().share(2, ignored -> product.compute(next, partColumns));
    }

    /** {@link #partColumns} where products are split, else all columns in one part. */
    private static int partColumnsHere(int in, int out) {
        return SPLIT ? partColumns(in, out) : out;
    }

    /**
     * Runs units {@code [0, units)} of some work one unit a part, shared with this thread's {@link
     * BlasPartner} where products are split, else all here as one part.
     */
    static void eachUnitAPart(int units, Columns columns) {
        inPartsOf(SPLIT ? 1 : units, units, columns);
    }

    /**
     * @param partColumns output columns per part; parts are shared with this thread's {@link
     *     BlasPartner}, and {@code out} or more runs all here
     */
    private static void inPartsOf(int partColumns, int out, Columns columns) {
        if (partColumns >= out) {
            columns.compute(0, out);
            return;
        }
        int parts = (out + partColumns - 1) / partColumns;
        BlasPartner.ofCurrentThread().share(parts, p -> {
            int from = p * partColumns;
            columns.compute(from, Math.min(partColumns, out - from));
        });
    }

    /**
     * Each row's sum of squares, accumulated in double, of a contiguous fp32 CPU tensor {@code x[rows, in]}:
     * through the native kernels or OpenBLAS, else in Java (the Vector API form runs without either).
     */
    static double[] rowSumsOfSquares(NDArray x, int rows, int in) {
        Pointer px = address(x);
        if (NativeKernels.available()) {
            return NativeKernels.rowSumsOfSquares(px, rows, in);
        }
        double[] sums = new double[rows];
        if (!AVAILABLE) {
            FloatBuffer values = view(x).asFloatBuffer();
            for (int r = 0; r < rows; r++) {
                for (int c = r * in; c < (r + 1) * in; c++) {
                    double v = values.get(c);
                    sums[r] += v * v;
                }
            }
            return sums;
        }
        for (int r = 0; r < rows; r++) {
            Pointer row = px.share((long) r * in * Float.BYTES);
            sums[r] = cblas_dsdot(in, row, 1, row, 1);
        }
        return sums;
    }

    /**
     * Columns per part: about {@link #PART_BYTES} of weights, at most {@link #MAX_PARTS} parts. Smaller
     * parts balance the two threads better, larger ones cost fewer calls (each about a microsecond).
     */
    static int partColumns(int in, int out) {
        long byBytes = PART_BYTES / ((long) in * Float.BYTES);
        long byCount = (out + MAX_PARTS - 1) / MAX_PARTS;
        long columns = Math.max(16, Math.max(byBytes, byCount));
        return (int) Math.min(out, (columns + 15) & ~15L);
    }

    /** Output columns {@code [from, from + count)} of the product (plus {@code beta} times y's), each row times its factor if there are any. */
    private static void product(Pointer x, Pointer w, Pointer y, int rows, int in, int from, int count, int ldy,
                                float[] rowFactors, float beta) {
        Pointer wf = w.share((long) from * in * Float.BYTES);
        Pointer yf = y.share((long) from * Float.BYTES);
        if (rows == 1) {
            float alpha = rowFactors == null ? 1f : rowFactors[0];
            cblas_sgemv(ROW_MAJOR, NO_TRANS, count, in, alpha, wf, in, x, 1, beta, yf, 1);
            return;
        }
        cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, count, in, 1f, x, in, wf, in, beta, yf, ldy);
        if (rowFactors != null) {
            for (int r = 0; r < rows; r++) {
                cblas_sscal(count, rowFactors[r], yf.share((long) r * ldy * Float.BYTES), 1);
            }
        }
    }

    /** Reads one float per 64-byte line of {@code [address, address + bytes)}, bringing those lines into the caches. */
    static void touch(Pointer address, long bytes) {
        if (NativeKernels.available()) {
            NativeKernels.touch(address, bytes);
            return;
        }
        cblas_sasum((int) (bytes / 64), address, 16);
    }

    /**
     * The address of a CPU tensor's data; a non-contiguous tensor is first copied (the copy joins
     * its manager). DJL hands out a copy, not a view, for some tensors (an empty one): writing
     * there would be lost, so that is an error rather than a silent wrong answer.
     */
    static Pointer address(NDArray a) {
        return Native.getDirectBufferPointer(view(a));
    }

    /** A CPU tensor's data as a native-order buffer over its memory, on the terms of {@link #address}. */
    static ByteBuffer view(NDArray a) {
        ByteBuffer data = JniUtils.getByteBuffer((PtNDArray) a, true);
        if (!data.isDirect()) {
            throw new IllegalStateException("no direct view of tensor " + a.getShape() + " " + a.getDataType());
        }
        return data.order(ByteOrder.nativeOrder());
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH, "true"))) {
            LOG.info("OpenBLAS off (-D{}=false): fp32 CPU layers use libtorch's matrix products only", SWITCH);
            return false;
        }
        for (String name : NAMES) {
            try {
                Native.register(OpenBlas.class, NativeLibrary.getInstance(name, OPEN_LOCAL));
                // One thread per call, the caller's (see SPLIT for the second). OpenBLAS's own pool
                // spins between calls and fights libtorch's OpenMP team for the same cores: with 2
                // threads on 2 cores, prefill fell from 740 to 268 tokens/s.
                openblas_set_num_threads(1);
                LOG.debug("OpenBLAS loaded as {}", name);
                return true;
            } catch (UnsatisfiedLinkError e) {
                LOG.trace("no OpenBLAS as {}: {}", name, e.getMessage());
            }
        }
        LOG.info("OpenBLAS not found: fp32 CPU layers use libtorch's matrix products only "
                + "(with apt-get install libopenblas0-pthread, batch-1 decode runs about 20% faster)");
        return false;
    }

    private static native void cblas_sgemv(int order, int trans, int m, int n, float alpha, Pointer a, int lda,
                                           Pointer x, int incx, float beta, Pointer y, int incy);

    private static native void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
                                           Pointer a, int lda, Pointer b, int ldb, float beta, Pointer c, int ldc);

    private static native void openblas_set_num_threads(int threads);

    private static native float cblas_sasum(int n, Pointer x, int incx);

    private static native double cblas_dsdot(int n, Pointer x, int incx, Pointer y, int incy);

    private static native void cblas_sscal(int n, float alpha, Pointer x, int incx);
}
