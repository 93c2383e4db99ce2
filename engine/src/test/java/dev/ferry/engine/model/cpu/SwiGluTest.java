package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.StepBuffers;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Java and the native activation give libtorch's {@code silu(gate) · up}, in whole vectors and
 * in the lanes left over, and the native one over tokens in parts shared with the partner.
 */
class SwiGluTest {

    @AfterEach
    void widestLevelAgain() {
        KernelLevels.widest();
    }

    @ParameterizedTest(name = "{0} tokens, intermediate {1}")
    @CsvSource({"1, 2048", "3, 37", "8, 16"})
    void javaKernelMatchesLibtorch(int tokens, int inter) {
        assumeTrue(VectorApi.available(), "needs --add-modules jdk.incubator.vector");
        assertMatchesLibtorch(tokens, inter, (gateUp, m) -> new SwiGluKernel(inter).apply(gateUp, tokens, new StepBuffers(m)));
    }

    @ParameterizedTest(name = "{0}: {1} tokens, intermediate {2}")
    @CsvSource({"avx2, 1, 2048", "avx2, 3, 37", "avx2, 40, 24", "avx512, 1, 2048", "avx512, 40, 21"})
    void nativeKernelMatchesLibtorch(String level, int tokens, int inter) {
        KernelLevels.runAt(level);
        assumeTrue(SwiGluNative.available(), "native kernels not at a vector level");
        assertMatchesLibtorch(tokens, inter, (gateUp, m) -> SwiGluNative.apply(gateUp, tokens, inter, new StepBuffers(m)));
    }

    private static void assertMatchesLibtorch(int tokens, int inter, BiFunction<NDArray, NDManager, NDArray> activation) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray gateUp = m.randomNormal(new Shape(tokens, 2L * inter)).mul(4f); // past silu's bend both ways
            gateUp.set(new NDIndex("0, 0"), -100f); // e^-g past fp32's range: silu is -0, not NaN
            gateUp.set(new NDIndex("0, 1"), 100f);
            NDArray gate = gateUp.get(new NDIndex(":, :" + inter));
            float[] expected = gate.getNDArrayInternal().sigmoid().mul(gate)
                    .mul(gateUp.get(new NDIndex(":, " + inter + ":"))).toFloatArray();
            float[] got = activation.apply(gateUp, m).toFloatArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "element " + i);
            }
        }
    }
}
