package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.model.AttentionPlan;
import dev.ferry.engine.model.PagedAttention;
import dev.ferry.engine.model.StepBuffers;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.step.SequenceSpan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both kernels, the native one at each vector level and the Java one, attend as libtorch's paged
 * attention does, for decode tokens and prefill chunks mixed, blocks scattered through the pool,
 * head sizes that are not a multiple of the vector width, groups of more query heads than the
 * native kernel takes at once, and sliding windows.
 */
class HostAttentionTest {
    @AfterEach
    void widestLevel() {
        KernelLevels.widest();
    }

    @ParameterizedTest(name = "Java kernel, heads {0}/{1}, headDim {2}, blockSize {3}, window {4}")
    @CsvSource(delimiter = ',', textBlock = """
            12, 4, 64, 16, 0
            4, 2, 20, 5, 0
            6, 6, 16, 4, 7
            8, 1, 48, 3, 0
            2, 1, 7, 2, 3
            10, 2, 72, 8, 0
            """)
    void javaKernelMatchesLibtorchAttention(int heads, int kvHeads, int headDim, int blockSize, int windowOrZero) {
        assumeTrue(VectorApi.available(), "needs --add-modules jdk.incubator.vector");
        checkAgainstLibtorch(heads, kvHeads, headDim, blockSize, windowOrZero, false);
    }

    @ParameterizedTest(name = "native kernel at {0}, heads {1}/{2}, headDim {3}, blockSize {4}, window {5}")
    @CsvSource(delimiter = ',', textBlock = """
            avx2, 12, 4, 64, 16, 0
            avx2, 4, 2, 20, 5, 0
            avx2, 6, 6, 16, 4, 7
            avx2, 8, 1, 48, 3, 0
            avx2, 2, 1, 7, 2, 3
            avx2, 10, 2, 72, 8, 0
            avx512, 12, 4, 64, 16, 0
            avx512, 8, 1, 48, 3, 0
            avx512, 10, 2, 72, 8, 0
            """)
    void nativeKernelMatchesLibtorchAttention(String level, int heads, int kvHeads, int headDim, int blockSize,
                                              int windowOrZero) {
        KernelLevels.runAt(level);
        checkAgainstLibtorch(heads, kvHeads, headDim, blockSize, windowOrZero, true);
    }

    private static void checkAgainstLibtorch(int heads, int kvHeads, int headDim, int blockSize, int windowOrZero,
                                             boolean nativeKernel) {
        Integer window = windowOrZero == 0 ? null : windowOrZero;
        Random random = new Random(heads * 31 + headDim);
        KvCacheSpec spec = new KvCacheSpec(96, blockSize, 1, kvHeads, headDim, DataType.FLOAT32);
        try (NDManager m = NDManager.newBaseManager(); KvCache kv = new KvCache(spec, m)) {
            float[] pool = new float[Math.toIntExact(kv.rows(0).size())];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = (float) random.nextGaussian();
            }
            OpenBlas.view(kv.rows(0)).asFloatBuffer().put(pool);

            List<Integer> free = new ArrayList<>();
            for (int b = 0; b < spec.numBlocks(); b++) {
                free.add(b);
            }
            Collections.shuffle(free, random);
            // {queryLen, contextLen}: decodes around prefill chunks, one sequence at its first token;
            // more tokens than the Java kernel's steps take, as the native kernel's do; runs the
            // native prefill kernel attends together: a chunk after a cached prefix, a whole prompt,
            // token counts that do not fill its blocks of four
            int[][] shapes = {{1, 37}, {1, 1}, {3, 10}, {1, 2 * blockSize}, {20, 40}, {7, 30}, {5, 5}};
            List<SequenceSpan> spans = new ArrayList<>();
            int tokens = 0;
            for (int[] s : shapes) {
                int[] table = new int[(s[1] + blockSize - 1) / blockSize];
                for (int j = 0; j < table.length; j++) {
                    table[j] = free.remove(free.size() - 1);
                }
                spans.add(new SequenceSpan(tokens, s[0], s[1], table, 1, s[1]));
                tokens += s[0];
            }
            ForwardBatch batch = new ForwardBatch(new int[tokens], new int[tokens], new int[tokens], spans);

            // queries pre-scaled by 1/sqrt(headDim), as the models hand them over
            float[] values = new float[tokens * (heads + 2 * kvHeads) * headDim];
            for (int i = 0; i < values.length; i++) {
                boolean query = i / headDim % (heads + 2 * kvHeads) < heads;
                values[i] = (float) (random.nextGaussian() / (query ? Math.sqrt(headDim) : 1));
            }
            NDArray qkv = m.create(values, new Shape(tokens, heads + 2L * kvHeads, headDim));
            NDArray q = qkv.get(new NDIndex(":, :" + heads));
            float[] expected = new PagedAttention(heads, kvHeads, headDim)
                    .forward(0, q, AttentionPlan.build(batch.sequences(), kv, window, DataType.FLOAT32, m), kv).toFloatArray();
            HostAttention host = new HostAttention(heads, kvHeads, headDim, window, nativeKernel);
            float[] got = host.forward(0, qkv, host.keys(spans, kv), kv, new StepBuffers(m)).toFloatArray();

            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5, "output " + i);
            }
        }
    }
}
