package dev.ferry.engine.model.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's own C kernels ({@code engine/src/main/c/ferry_kernels.c}), loaded through JNA from the
 * class path where the build put them. They exist for the one product no library here streams at
 * the memory's speed: the one-row matrix-vector product of a batch-1 decode step (see the C file
 * for figures). Optional like OpenBLAS: without a C compiler at build time, or with
 * {@code -Dferry.native=false}, {@link #available()} is false and layers keep to OpenBLAS or
 * libtorch.
 */
final class NativeKernels {
    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    private static final String SWITCH = "ferry.native";
    /** Opened without RTLD_GLOBAL (JNA's default adds it): nothing here is meant for other libraries. */
    private static final Map<String, Object> OPEN_LOCAL = Map.of(Library.OPTION_OPEN_FLAGS, 1);
    private static final boolean AVAILABLE = load();

    private NativeKernels() {}

    static boolean available() {
        return AVAILABLE;
    }

    /** {@code y[r] = alpha · (w[r, :] · x) + beta · y[r]} for {@code r < rows}; y is not read when beta is 0. */
    static void gemv(Pointer w, Pointer x, Pointer y, int rows, int in, float alpha, float beta) {
        ferry_sgemv(w, x, y, rows, in, alpha, beta);
    }

    /** Each row's sum of squares of {@code x[rows, in]}, accumulated in double. */
    static double[] rowSumsOfSquares(Pointer x, int rows, int in) {
        double[] sums = new double[rows];
        ferry_row_sums_of_squares(x, rows, in, sums);
        return sums;
    }

    /** Reads one float per 64-byte line of {@code [at, at + bytes)}, bringing those lines into the caches. */
    static void touch(Pointer at, long bytes) {
        ferry_touch(at, bytes);
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH, "true"))) {
            LOG.info("native kernels off (-D{}=false)", SWITCH);
            return false;
        }
        try {
            Native.register(NativeKernels.class, NativeLibrary.getInstance("ferrykernels", OPEN_LOCAL));
            LOG.info("native kernels loaded ({})", ferry_kernels_isa());
            return true;
        } catch (UnsatisfiedLinkError e) {
            LOG.info("native kernels not built (no C compiler when Ferry was built: apt-get install gcc libc6-dev, "
                    + "then rebuild): batch-1 CPU decode steps take 5-22% longer");
            LOG.debug("loading libferrykernels failed", e);
            return false;
        }
    }

    private static native String ferry_kernels_isa();

    private static native void ferry_sgemv(Pointer w, Pointer x, Pointer y, int rows, int in, float alpha, float beta);

    private static native void ferry_row_sums_of_squares(Pointer x, int rows, int in, double[] sums);

    private static native float ferry_touch(Pointer at, long bytes);
}
