package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.StepBuffers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Java activation gives libtorch's {@code silu(gate) · up}, in whole vectors and in the lanes left over. */
class SwiGluKernelTest {

    @ParameterizedTest(name = "{0} tokens, intermediate {1}")
    @CsvSource({"1, 2048", "3, 37", "8, 16"})
    void matchesLibtorch(int tokens, int inter) {
        assumeTrue(VectorApi.available(), "needs --add-modules jdk.incubator.vector");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray gateUp = m.randomNormal(new Shape(tokens, 2L * inter)).mul(4f); // past silu's bend both ways
            NDArray gate = gateUp.get(new NDIndex(":, :" + inter));
            float[] expected = gate.getNDArrayInternal().sigmoid().mul(gate)
                    .mul(gateUp.get(new NDIndex(":, " + inter + ":"))).toFloatArray();
            float[] got = new SwiGluKernel(inter).apply(gateUp, tokens, new StepBuffers(m)).toFloatArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "element " + i);
            }
        }
    }
}
