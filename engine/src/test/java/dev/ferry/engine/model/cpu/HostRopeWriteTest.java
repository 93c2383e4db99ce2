package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.model.RopeTables;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The native RoPE and KV write give exactly the floats of the Java rotation (which RopeOnHostTest
 * holds to libtorch's, bit for bit), in the pool rows of each token's slot, and touch nothing else.
 */
class HostRopeWriteTest {

    @ParameterizedTest(name = "heads {0}/{1}, headDim {2}, rotary {3}, blockSize {4}")
    @CsvSource(delimiter = ',', textBlock = """
            4, 2, 16, 16, 4
            6, 3, 20, 8, 5
            3, 1, 64, 64, 16
            """)
    void nativeRotationAndWriteMatchTheJavaRotation(int heads, int kvHeads, int headDim, int rotaryDim, int blockSize) {
        assumeTrue(NativeKernels.available(), "native kernels not built");
        int[] positions = {0, 1, 17, 95, 3};
        int[] slots = {9, 0, 4, 17, 2};
        int tokens = positions.length;
        int width = (heads + 2 * kvHeads) * headDim;
        Random random = new Random(heads * 7 + headDim);
        try (NDManager m = NDManager.newBaseManager();
             KvCache kv = new KvCache(new KvCacheSpec(8, blockSize, 1, kvHeads, headDim, DataType.FLOAT32), m)) {
            RopeTables rope = new RopeTables(headDim, rotaryDim, 10000, null, 128, DataType.FLOAT32, m);
            HostRopeWrite write = new HostRopeWrite(rope, heads, kvHeads, headDim);
            float[] values = new float[tokens * width];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            float[] pool = new float[Math.toIntExact(kv.rows(0).size())];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = (float) random.nextGaussian();
            }
            OpenBlas.view(kv.rows(0)).asFloatBuffer().put(pool);
            NDArray qkv = m.create(values, new Shape(tokens, heads + 2L * kvHeads, headDim));

            float[] cosSin = write.tables(positions);
            write.apply(0, qkv, slots, cosSin, kv);

            float[] expected = values.clone();
            for (int t = 0; t < tokens; t++) {
                rope.rotateOnHost(expected, t * width, heads + kvHeads, cosSin, 2 * t * headDim);
                for (int kOrV = 0; kOrV < 2; kOrV++) {
                    for (int h = 0; h < kvHeads; h++) {
                        int row = Math.toIntExact(kv.spec().row(slots[t], kOrV, h) * headDim);
                        System.arraycopy(expected, t * width + (heads + kOrV * kvHeads + h) * headDim, pool, row, headDim);
                    }
                }
            }
            assertArrayEquals(expected, qkv.toFloatArray(), "queries and keys turned, values as they were");
            float[] got = kv.rows(0).toFloatArray();
            assertEquals(pool.length, got.length);
            assertArrayEquals(pool, got, "each token's keys and values in its slot's rows, the other rows untouched");
        }
    }
}
