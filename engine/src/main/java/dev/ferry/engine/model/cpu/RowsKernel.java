package dev.ferry.engine.model.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The product of a few rows with an fp32 {@code [out, in]} weight in SIMD Java ({@link
 * HostProduct.Kernel#VECTOR}). Each weight vector loaded feeds {@link #TILE} input rows, and a block of
 * weight rows is gone through by each tile of rows in turn while it sits in L2, so a product of
 * several tiles still reads its weights from memory once. At 2-4 rows OpenBLAS's GEMM and
 * libtorch's both fall far short of the memory stream a single row gets (12.6 MB of weights, one
 * thread: 1.3 ms for OpenBLAS at 2 or 4 rows, 0.64 and 0.68 ms here; at 8 rows both about 1.3-1.5).
 * Uses the incubating Vector API: only called where {@link VectorApi#available()}.
 */
final class RowsKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int TILE = 4;
    /** Weight rows per block: the tiles after the first find them in L2 (32 rows of 768 are 96 KiB). */
    private static final int BLOCK = 32;

    private RowsKernel() {}

    /**
     * Output columns {@code [from, to)} of {@code y[r][j] = factor[r] · Σ_c x[r][c] w[j][c]}, plus
     * y's own value when accumulating.
     *
     * @param w the weight's memory, {@code [out, in]} row-major
     * @param x the input rows, {@code [rows, in]}
     * @param y the output's memory, {@code [rows, out]} row-major
     * @param rowFactors null, or a factor per row
     */
    static void product(ByteBuffer w, float[] x, int rows, int in, ByteBuffer y, int out, int from, int to,
                        float[] rowFactors, boolean accumulate) {
        for (int block = from; block < to; block += BLOCK) {
            int end = Math.min(to, block + BLOCK);
            for (int first = 0; first < rows; first += TILE) {
                tile(w, x, rows, in, y, out, block, end, first, rowFactors, accumulate);
            }
        }
    }

    /** Input rows {@code [first, first + TILE)} against weight rows {@code [from, to)}. */
    private static void tile(ByteBuffer w, float[] x, int rows, int in, ByteBuffer y, int out, int from, int to,
                             int first, float[] rowFactors, boolean accumulate) {
        // a tile of fewer rows repeats its last: the same work, nothing stored for the copies
        int x0 = first * in;
        int x1 = Math.min(first + 1, rows - 1) * in;
        int x2 = Math.min(first + 2, rows - 1) * in;
        int x3 = Math.min(first + 3, rows - 1) * in;
        int vectorIn = SPECIES.loopBound(in);
        for (int j = from; j < to; j++) {
            int wAt = j * in * Float.BYTES;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = 0; c < vectorIn; c += SPECIES.length()) {
                FloatVector wv = FloatVector.fromByteBuffer(SPECIES, w, wAt + c * Float.BYTES, ORDER);
                a0 = FloatVector.fromArray(SPECIES, x, x0 + c).fma(wv, a0);
                a1 = FloatVector.fromArray(SPECIES, x, x1 + c).fma(wv, a1);
                a2 = FloatVector.fromArray(SPECIES, x, x2 + c).fma(wv, a2);
                a3 = FloatVector.fromArray(SPECIES, x, x3 + c).fma(wv, a3);
            }
            store(y, out, first, j, a0.reduceLanes(VectorOperators.ADD) + tail(w, wAt, x, x0, vectorIn, in),
                    rowFactors, accumulate);
            if (first + 1 < rows) {
                store(y, out, first + 1, j, a1.reduceLanes(VectorOperators.ADD) + tail(w, wAt, x, x1, vectorIn, in),
                        rowFactors, accumulate);
            }
            if (first + 2 < rows) {
                store(y, out, first + 2, j, a2.reduceLanes(VectorOperators.ADD) + tail(w, wAt, x, x2, vectorIn, in),
                        rowFactors, accumulate);
            }
            if (first + 3 < rows) {
                store(y, out, first + 3, j, a3.reduceLanes(VectorOperators.ADD) + tail(w, wAt, x, x3, vectorIn, in),
                        rowFactors, accumulate);
            }
        }
    }

    /** The part of a dot product past the vector-wide columns, {@code [from, in)}. */
    private static float tail(ByteBuffer w, int wAt, float[] x, int xAt, int from, int in) {
        float dot = 0;
        for (int c = from; c < in; c++) {
            dot += x[xAt + c] * w.getFloat(wAt + c * Float.BYTES);
        }
        return dot;
    }

    private static void store(ByteBuffer y, int out, int row, int column, float dot, float[] rowFactors,
                              boolean accumulate) {
        int at = (row * out + column) * Float.BYTES;
        float v = rowFactors == null ? dot : dot * rowFactors[row];
        y.putFloat(at, accumulate ? y.getFloat(at) + v : v);
    }
}
