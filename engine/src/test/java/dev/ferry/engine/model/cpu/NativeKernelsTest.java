package dev.ferry.engine.model.cpu;

import static dev.ferry.engine.model.cpu.KernelInputs.memory;
import static dev.ferry.engine.model.cpu.KernelInputs.randoms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Memory;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native kernels against plain double arithmetic, and the native form inside a layer. */
class NativeKernelsTest {

    /** Where the build had a C compiler (./run-tests installs one) the kernels must load: a silent fallback would hide a broken build. */
    @Test
    void theKernelsLoadWhereACompilerBuiltThem() {
        assumeTrue(compilerOnPath(), "no C compiler: the native kernels were not built");
        assumeTrue(Boolean.parseBoolean(System.getProperty("ferry.native", "true")), "switched off (-Dferry.native=false)");
        assertTrue(NativeKernels.available());
    }

    @AfterEach
    void widestLevelAgain() {
        KernelLevels.widest();
    }

    /**
     * At every level, widths that reach the kernel's 16-float loop alone, its scalar tail alone,
     * and both; 37 rows in parts of 5 (as two threads claim them): in each part a block of four and a
     * row on its own, and a short last part.
     */
    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void aMatrixVectorProductMatchesDoubleArithmetic(String level) {
        KernelLevels.runAt(level);
        for (int in : new int[] {1, 15, 16, 63, 64, 150, 768}) {
            matrixVectorProductMatchesDoubleArithmetic(level, in);
        }
    }

    private static void matrixVectorProductMatchesDoubleArithmetic(String level, int in) {
        int rows = 37;
        SplittableRandom random = new SplittableRandom(in);
        float[] w = randoms(random, rows * in);
        float[] x = randoms(random, in);
        float[] y0 = randoms(random, rows);
        for (float[] alphaBeta : new float[][] {{1f, 0f}, {0.5f, 0f}, {1f, 1f}, {-2f, 0.25f}}) {
            float alpha = alphaBeta[0];
            float beta = alphaBeta[1];
            float[] got = gemv(w, x, y0, rows, in, alpha, beta);
            for (int r = 0; r < rows; r++) {
                double dot = 0;
                double scale = 0;
                for (int c = 0; c < in; c++) {
                    dot += (double) w[r * in + c] * x[c];
                    scale += Math.abs((double) w[r * in + c] * x[c]);
                }
                double expected = alpha * dot + beta * (double) y0[r];
                double bound = 1e-6 * (Math.abs(alpha) * scale + Math.abs(beta * y0[r])) + 1e-30;
                assertTrue(Math.abs(got[r] - expected) <= bound,
                        level + ": in " + in + " row " + r + " alpha " + alpha + " beta " + beta + ": " + got[r] + " vs " + expected);
            }
        }
    }

    /** With beta 0 the output is written, never read: a fresh output may hold NaN. */
    @Test
    void betaZeroIgnoresWhatTheOutputHeld() {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        float[] y0 = new float[3];
        Arrays.fill(y0, Float.NaN);
        float[] got = gemv(new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, 1}, y0, 3, 2, 1f, 0f);
        assertEquals(3f, got[0]);
        assertEquals(7f, got[1]);
        assertEquals(11f, got[2]);
    }

    @Test
    void rowSumsOfSquaresAreExactForSmallIntegers() {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        float[] x = {1, 2, 3, -4, 0, 5};
        Memory mx = memory(x);
        assertEquals(Arrays.toString(new double[] {14, 41}), Arrays.toString(NativeKernels.rowSumsOfSquares(mx, 2, 3)));
    }

    /** A layer wide enough to be split between two threads: each part's rows land in place, stored or added. */
    @Test
    void theNativeFormInPartsMatchesTheReference() {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        int in = 50;
        int out = 3000; // OpenBlas.partColumns(50, 3000) is 2624 where products are split: two parts
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(out, in));
            Linear layer = Linear.fromOutIn(w, null, Precision.uniform(DataType.FLOAT32));
            Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
            Arrays.fill(forms, Linear.Form.NATIVE);
            layer.choose(forms);
            for (int repeat = 0; repeat < 20; repeat++) {
                NDArray x = m.randomNormal(new Shape(1, in));
                NDArray expected = x.toType(DataType.FLOAT64, false).matMul(w.toType(DataType.FLOAT64, false).transpose());
                NDArray got = layer.apply(x);
                assertTrue(relativeError(got, expected) < 1e-5, "stored: " + relativeError(got, expected));
                NDArray residual = m.randomNormal(new Shape(1, out));
                NDArray sum = expected.add(residual.toType(DataType.FLOAT64, false));
                layer.addTo(x, residual);
                assertTrue(relativeError(residual, sum) < 1e-5, "added: " + relativeError(residual, sum));
                assertFalse(got.isNaN().any().getBoolean());
            }
        }
    }

    private static float[] gemv(float[] w, float[] x, float[] y0, int rows, int in, float alpha, float beta) {
        Memory mw = memory(w);
        Memory mx = memory(x);
        Memory my = memory(y0);
        KernelInputs.inParts(NativeKernels.Product.SGEMV, mw, null, mx, my, rows, in, 1, 0, new float[] {alpha}, beta);
        return my.getFloatArray(0, rows);
    }


    private static double relativeError(NDArray got, NDArray expected) {
        return got.toType(DataType.FLOAT64, false).sub(expected).abs().max().getDouble() / expected.abs().max().getDouble();
    }

    private static boolean compilerOnPath() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, "cc")));
    }
}
