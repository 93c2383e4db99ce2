package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fp32 matrix products through the system's OpenBLAS, on the memory of DJL's CPU tensors. On the
 * 2-core machine we measure on, libtorch's bundled MKL streams a matrix-vector product at
 * 15-21 GB/s with two threads while OpenBLAS reaches 26-28 GB/s with one, and batch-1 decode is
 * mostly matrix-vector products. {@link LinearTuner} offers it as one more form and keeps it only
 * where it measures faster. OpenBLAS is optional: without it ({@code apt-get install
 * libopenblas0-pthread}), or with {@code -Dferry.openblas=false}, {@link #available()} is false and
 * layers keep to libtorch's forms.
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

    private OpenBlas() {}

    static boolean available() {
        return AVAILABLE;
    }

    /**
     * {@code y[rows, out] = x[rows, in] · w[out, in]ᵀ}, all contiguous fp32 CPU tensors ({@code x} is
     * made contiguous if it is a view); one GEMV when {@code rows} is 1.
     */
    static void linear(NDArray x, Pointer w, NDArray y, int rows, int in, int out) {
        Pointer px = address(x);
        Pointer py = address(y);
        if (rows == 1) {
            cblas_sgemv(ROW_MAJOR, NO_TRANS, out, in, 1f, w, in, px, 1, 0f, py, 1);
        } else {
            cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, out, in, 1f, px, in, w, in, 0f, py, out);
        }
    }

    /** The address of a CPU tensor's data; a non-contiguous tensor is first copied (the copy joins its manager). */
    static Pointer address(NDArray a) {
        return Native.getDirectBufferPointer(JniUtils.getByteBuffer((PtNDArray) a, true));
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH, "true"))) {
            LOG.info("OpenBLAS off (-D{}=false): fp32 CPU layers use libtorch's matrix products only", SWITCH);
            return false;
        }
        for (String name : NAMES) {
            try {
                Native.register(OpenBlas.class, NativeLibrary.getInstance(name, OPEN_LOCAL));
                // One thread, the caller's. OpenBLAS's own pool spins between calls and fights libtorch's
                // OpenMP team for the same cores: with 2 threads on 2 cores, prefill fell from 740 to
                // 268 tokens/s. One thread still streams 26-28 GB/s, against 15-21 for MKL's two.
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
}
