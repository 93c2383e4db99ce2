package dev.ferry.engine.model.cpu;

import static dev.ferry.engine.model.cpu.KernelInputs.memory;
import static dev.ferry.engine.model.cpu.KernelInputs.randoms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Memory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native packed attention against plain double arithmetic, at every level and through its tensor door. */
class PackedAttentionTest {
    /** Inputs of one token, of fewer keys than a vector, of odd lengths, and longer than 256 (a wide key block). */
    private static final int[] LENGTHS = {1, 4, 5, 17, 33, 300};
    /** Head sizes that reach only the context loop's scalar tail (12), both loops (40) and only the vectors (32). */
    private static final int[][] HEADS_BY_DIM = {{3, 12}, {2, 40}, {12, 32}};
    /** Scores up to about ±40: the softmax must shift by the row's maximum to stay finite and exact. */
    private static final float QUERY_SCALE = 3f;
    private static final double TOLERANCE = 1e-5;

    @AfterEach
    void widestLevelAgain() {
        KernelLevels.widest();
    }

    @ParameterizedTest
    @ValueSource(strings = {"portable", "avx2", "avx512"})
    void eachInputAttendsToItsOwnRowsAsDoubleArithmeticDoes(String level) {
        KernelLevels.runAt(level);
        int[] starts = starts(LENGTHS);
        int tokens = starts[starts.length - 1] + LENGTHS[LENGTHS.length - 1];
        for (int[] shape : HEADS_BY_DIM) {
            int heads = shape[0];
            int d = shape[1];
            float[] qkv = qkv(new SplittableRandom(heads * 100 + d), tokens, heads, d);
            Memory context = new Memory((long) tokens * heads * d * Float.BYTES);
            // two calls of some heads each, as the thread and its partner share them
            NativeKernels.packedAttention(memory(qkv), context, starts, LENGTHS, heads, d, 0, 1);
            NativeKernels.packedAttention(memory(qkv), context, starts, LENGTHS, heads, d, 1, heads - 1);
            assertMatches(qkv, context.getFloatArray(0, tokens * heads * d), starts, LENGTHS, heads, d,
                    level + " heads " + heads + " x " + d);
        }
    }

    @Test
    void theTensorDoorWritesEveryHeadOfEveryInput() {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        int heads = 12;
        int d = 32;
        int[] lengths = {9, 130, 256, 2};
        int[] starts = starts(lengths);
        int tokens = starts[starts.length - 1] + lengths[lengths.length - 1];
        float[] qkv = qkv(new SplittableRandom(7), tokens, heads, d);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray q = m.create(qkv, new Shape(tokens, 3L * heads * d));
            assertTrue(PackedAttention.applies(q));
            NDArray context = PackedAttention.apply(q, starts, lengths, heads, d);
            assertEquals(new Shape(tokens, (long) heads * d), context.getShape());
            assertMatches(qkv, context.toFloatArray(), starts, lengths, heads, d, "tensor door");
            assertTrue(!PackedAttention.applies(q.toType(DataType.FLOAT64, false)), "fp64 is not the kernel's");
        }
    }

    private static int[] starts(int[] lengths) {
        int[] starts = new int[lengths.length];
        for (int r = 1; r < lengths.length; r++) {
            starts[r] = starts[r - 1] + lengths[r - 1];
        }
        return starts;
    }

    /** Rows of queries (scaled up), keys and values in [-1, 1). */
    private static float[] qkv(SplittableRandom random, int tokens, int heads, int d) {
        float[] qkv = randoms(random, tokens * 3 * heads * d);
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < heads * d; c++) {
                qkv[t * 3 * heads * d + c] *= QUERY_SCALE;
            }
        }
        return qkv;
    }

    private static void assertMatches(float[] qkv, float[] got, int[] starts, int[] lengths, int heads, int d,
                                      String where) {
        int width = 3 * heads * d;
        int hidden = heads * d;
        for (int r = 0; r < lengths.length; r++) {
            int n = lengths[r];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    double[] p = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        for (int c = 0; c < d; c++) {
                            p[j] += (double) qkv[(starts[r] + i) * width + h * d + c]
                                    * qkv[(starts[r] + j) * width + (heads + h) * d + c];
                        }
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double expected = 0;
                        for (int j = 0; j < n; j++) {
                            expected += p[j] / sum * qkv[(starts[r] + j) * width + (2 * heads + h) * d + c];
                        }
                        float value = got[(starts[r] + i) * hidden + h * d + c];
                        assertTrue(Math.abs(value - expected) <= TOLERANCE, where + ", input " + r + " (" + n
                                + " tokens) head " + h + " query " + i + " dim " + c + ": " + value + " vs " + expected);
                    }
                }
            }
        }
    }
}
