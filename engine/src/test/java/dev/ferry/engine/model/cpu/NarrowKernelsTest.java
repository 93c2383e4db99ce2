package dev.ferry.engine.model.cpu;

import static dev.ferry.engine.model.cpu.KernelInputs.inParts;
import static dev.ferry.engine.model.cpu.KernelInputs.memory;
import static dev.ferry.engine.model.cpu.KernelInputs.randoms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The int8, fp16 and bf16 weight kernels, and the blocked fp32 one, at each instruction-set level against plain double arithmetic
 * (in parts claimed by two threads, as the engine runs them),
 * on shapes that leave every part of the loops some work: rows not a multiple of any vector width,
 * widths below one step and past it with a tail, input-row counts inside one pass and across two.
 */
class NarrowKernelsTest {
    private static final int[] ROWS = {1, 7, 33};
    private static final int[] WIDTHS = {1, 13, 100, 257};
    private static final int[] INPUT_ROWS = {1, 2, 3, 5, 8, 11};

    @AfterEach
    void widestLevelAgain() {
        KernelLevels.widest();
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void int8ProductsMatchTheReference(String level) {
        KernelLevels.runAt(level);
        SplittableRandom random = new SplittableRandom(8);
        for (int rows : ROWS) {
            for (int in : WIDTHS) {
                byte[] w = new byte[rows * in];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (byte) (random.nextInt(255) - 127);
                }
                float[] scales = randoms(random, rows);
                double[] weights = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    weights[i] = (double) scales[i / in] * w[i];
                }
                Memory mw = new Memory(w.length);
                mw.write(0, w, 0, w.length);
                check(level, "int8", weights, rows, in, random, (x, y, n, ldy, alpha, beta) ->
                        inParts(NativeKernels.Product.Q8GEMM, mw, memory(scales), x, y, rows, in, n, ldy, alpha, beta));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void fp16ProductsMatchTheReference(String level) {
        KernelLevels.runAt(level);
        SplittableRandom random = new SplittableRandom(16);
        for (int rows : ROWS) {
            for (int in : WIDTHS) {
                short[] w = new short[rows * in];
                double[] weights = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    // any finite half: exponent 0-30 (zero and subnormals included), either sign
                    int bits = (random.nextInt(2) << 15) | (random.nextInt(31) << 10) | random.nextInt(1024);
                    w[i] = (short) bits;
                    weights[i] = halfValue(bits);
                }
                Memory mw = new Memory(2L * w.length);
                mw.write(0, w, 0, w.length);
                check(level, "fp16", weights, rows, in, random, (x, y, n, ldy, alpha, beta) ->
                        inParts(NativeKernels.Product.F16GEMM, mw, null, x, y, rows, in, n, ldy, alpha, beta));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void blockedFp32ProductsMatchTheReference(String level) {
        KernelLevels.runAt(level);
        SplittableRandom random = new SplittableRandom(32);
        for (int rows : ROWS) {
            for (int in : WIDTHS) {
                float[] w = randoms(random, rows * in);
                Memory mw = memory(w);
                check(level, "fp32", toDoubles(w), rows, in, random, (x, y, n, ldy, alpha, beta) ->
                        NativeKernels.sgemm(mw, x, y, rows, in, n, ldy, alpha, beta));
                check(level, "fp32 in parts", toDoubles(w), rows, in, random, (x, y, n, ldy, alpha, beta) ->
                        inParts(NativeKernels.Product.SGEMM, mw, null, x, y, rows, in, n, ldy, alpha, beta));
            }
        }
        // 2000 floats a row: the kernel takes 30 input rows per chunk (about 256 KiB), so 70 rows make three chunks
        int rows = 9;
        int in = 2000;
        float[] w = randoms(random, rows * in);
        Memory mw = memory(w);
        check(level, "fp32 chunked", toDoubles(w), rows, in, random, new int[] {70}, (x, y, n, ldy, alpha, beta) ->
                NativeKernels.sgemm(mw, x, y, rows, in, n, ldy, alpha, beta));
        // 48 input rows or more take the packed form: panels of 16 weight rows (32 at AVX-512), so 33 rows
        // leave a short last panel; 257 and 600 columns a second and third depth block of 256, 13 one of
        // 8 and a tail; 53 input rows end with a register block of 5 (blocks of 6)
        for (int packedRows : new int[] {16, 33}) {
            for (int packedIn : new int[] {13, 257, 600}) {
                float[] wp = randoms(random, packedRows * packedIn);
                Memory mwp = memory(wp);
                check(level, "fp32 packed", toDoubles(wp), packedRows, packedIn, random, new int[] {48, 53},
                        (x, y, n, ldy, alpha, beta) -> NativeKernels.sgemm(mwp, x, y, packedRows, packedIn, n, ldy, alpha, beta));
            }
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void bf16ProductsMatchTheReference(String level) {
        KernelLevels.runAt(level);
        SplittableRandom random = new SplittableRandom(32);
        for (int rows : ROWS) {
            for (int in : WIDTHS) {
                short[] w = new short[rows * in];
                double[] weights = new double[w.length];
                for (int i = 0; i < w.length; i++) {
                    // zero and subnormals (exponent 0), and normals within 2^±27 of 1, either sign
                    int exponent = random.nextInt(8) == 0 ? 0 : 100 + random.nextInt(55);
                    int bits = (random.nextInt(2) << 15) | (exponent << 7) | random.nextInt(128);
                    w[i] = (short) bits;
                    weights[i] = bf16Value(bits);
                }
                Memory mw = new Memory(2L * w.length);
                mw.write(0, w, 0, w.length);
                check(level, "bf16", weights, rows, in, random, (x, y, n, ldy, alpha, beta) ->
                        inParts(NativeKernels.Product.BF16GEMM, mw, null, x, y, rows, in, n, ldy, alpha, beta));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void widenedBf16RowsAreTheirValues(String level) {
        KernelLevels.runAt(level);
        // 1, -2, 0.5 + 2^-8 (the last mantissa bit), -0, the smallest subnormal, +inf; then 1.5, 3, -1
        short[] w = {0x3f80, (short) 0xc000, 0x3f01, (short) 0x8000, 0x0001, 0x7f80, 0x3fc0, 0x4040, (short) 0xbf80};
        Memory mw = new Memory(2L * w.length);
        mw.write(0, w, 0, w.length);
        Memory out = new Memory((long) w.length * Float.BYTES);
        NativeKernels.bf16Widen(mw, 3, 3, out);
        float[] got = out.getFloatArray(0, w.length);
        for (int i = 0; i < w.length; i++) {
            assertEquals(bf16Value(w[i] & 0xffff), got[i], "weight " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void dequantizedRowsAreScaledWeights(String level) {
        KernelLevels.runAt(level);
        byte[] w = {-127, 0, 5, 127, 1, -1};
        Memory mw = new Memory(w.length);
        mw.write(0, w, 0, w.length);
        Memory out = new Memory(6L * Float.BYTES);
        NativeKernels.q8Dequantize(mw, memory(new float[] {0.5f, 2f}), 2, 3, out);
        assertEquals("[-63.5, 0.0, 2.5, 254.0, 2.0, -2.0]", java.util.Arrays.toString(out.getFloatArray(0, 6)));
    }

    /** A kernel call: {@code y[j·ldy + r] = alpha[j] · (W[r] · x[j]) + beta · y[j·ldy + r]}. */
    private interface Product {
        void run(Memory x, Memory y, int n, int ldy, float[] alpha, float beta);
    }

    /**
     * Runs the product for each input-row count, with and without row factors, stored and added,
     * into an output wider than the weight's rows (ldy), and compares every element with doubles.
     */
    private static void check(String level, String kind, double[] weights, int rows, int in, SplittableRandom random,
                              Product product) {
        check(level, kind, weights, rows, in, random, INPUT_ROWS, product);
    }

    /** {@link #check(String, String, double[], int, int, SplittableRandom, Product)} for these input-row counts. */
    private static void check(String level, String kind, double[] weights, int rows, int in, SplittableRandom random,
                              int[] inputRows, Product product) {
        for (int n : inputRows) {
            int ldy = rows + 3;
            float[] x = randoms(random, n * in);
            float[] y0 = randoms(random, n * ldy);
            float[] alpha = randoms(random, n);
            for (boolean factors : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 1f}) {
                    Memory my = memory(y0);
                    product.run(memory(x), my, n, ldy, factors ? alpha : null, beta);
                    float[] got = my.getFloatArray(0, y0.length);
                    for (int j = 0; j < n; j++) {
                        for (int r = 0; r < ldy; r++) {
                            int at = j * ldy + r;
                            String where = level + " " + kind + " rows " + rows + " in " + in + " n " + n
                                    + " factors " + factors + " beta " + beta + " at [" + j + ", " + r + "]";
                            if (r >= rows) {
                                assertEquals(y0[at], got[at], where + " (outside the weight's rows: untouched)");
                                continue;
                            }
                            double dot = 0;
                            double magnitude = 0;
                            for (int c = 0; c < in; c++) {
                                dot += weights[r * in + c] * x[j * in + c];
                                magnitude += Math.abs(weights[r * in + c] * x[j * in + c]);
                            }
                            double a = factors ? alpha[j] : 1;
                            double expected = a * dot + beta * y0[at];
                            double bound = 1e-6 * (Math.abs(a) * magnitude + Math.abs(beta * y0[at])) + 1e-30;
                            assertTrue(Math.abs(got[at] - expected) <= bound, where + ": " + got[at] + " vs " + expected);
                        }
                    }
                }
            }
        }
    }

    /** Selects a level; a level this CPU lacks is skipped, not silently run at a lower one. */
    /** A bfloat16's value from its fields (8 exponent bits, 7 mantissa bits), by arithmetic rather than bit moves. */
    private static double bf16Value(int bits) {
        int exponent = (bits >> 7) & 0xff;
        int mantissa = bits & 0x7f;
        double magnitude = exponent == 0xff ? Double.POSITIVE_INFINITY // (no NaN among the tests' bits)
                : exponent == 0 ? Math.scalb((double) mantissa, -133) : Math.scalb(128.0 + mantissa, exponent - 134);
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

        /** An IEEE half's value from its fields, by arithmetic rather than the kernels' bit moves. */
    private static double halfValue(int bits) {
        int exponent = (bits >> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        double magnitude = exponent == 0 ? Math.scalb((double) mantissa, -24) : Math.scalb(1024.0 + mantissa, exponent - 25);
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }
}
