package dev.ferry.engine.model.cpu;

import static dev.ferry.engine.model.cpu.ProductReference.maxRelativeError;
import static dev.ferry.engine.model.cpu.ProductReference.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.LinearTuner;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.RmsNorm;
import dev.ferry.engine.model.TuningCache;
import dev.ferry.store.safetensors.HalfFloats;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dense layers on narrow weights: an int8 layer computes {@code x (s ⊙ Q)ᵀ + b} for the weight
 * quantized per output row, and a bf16 one with the weight rounded to bf16, in each of their forms
 * and each way a step calls them; an fp16 layer's native form computes with its fp16 weight; the
 * tuner puts all three on their native kernels at one row.
 */
class NarrowFormsTest {
    private static final int IN = 70;   // a vector step and a tail
    private static final int OUT = 45;

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 9, 40})
    void everyInt8FormMatchesTheDequantizedWeight(int rows) {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(OUT, IN)).mul(m.arange(1f, OUT + 1f).reshape(OUT, 1)); // rows of every range
            NDArray x = m.randomNormal(new Shape(rows, IN));
            assertFormsComputeWith(w, dequantize(w), x, Precision.int8Weights(), Linear.Form.INT8, Linear.Form.INT8_WIDENED);
            // and the quantization itself is close to the fp32 weight: half a step per weight at most
            Linear layer = Linear.fromOutIn(w.duplicate(), null, Precision.int8Weights());
            assertTrue(maxRelativeError(layer.apply(x), reference(x, w, null)) < 2e-2, "int8 against fp32");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 9, 40})
    void everyBf16FormMatchesTheRoundedWeight(int rows) {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(OUT, IN)).mul(m.arange(1f, OUT + 1f).reshape(OUT, 1));
            NDArray x = m.randomNormal(new Shape(rows, IN));
            assertFormsComputeWith(w, roundToBf16(w), x, Precision.bf16Weights(), Linear.Form.BF16_NATIVE,
                    Linear.Form.BF16_WIDENED);
        }
    }

    /**
     * Each form of a layer made from {@code w} in {@code precision} computes {@code x Wᵀ + b} with the
     * weight {@code narrowed} as the precision narrows it, in each way a step calls it: stored, after a
     * folded norm, added into a residual.
     */
    private static void assertFormsComputeWith(NDArray w, NDArray narrowed, NDArray x, Precision precision,
                                               Linear.Form... forms) {
        NDManager m = w.getManager();
        long rows = x.getShape().get(0);
        NDArray b = m.randomNormal(new Shape(OUT));
        RmsNorm norm = new RmsNorm(null, 1e-3, DataType.FLOAT32, m);
        for (Linear.Form form : forms) {
            Linear layer = Linear.fromOutIn(w.duplicate(), b, precision);
            if (!layer.supports(form)) {
                continue; // a BLAS form without OpenBLAS
            }
            Linear.Form[] chosen = new Linear.Form[Linear.BUCKETS];
            Arrays.fill(chosen, form);
            layer.choose(chosen);
            assertTrue(maxRelativeError(layer.apply(x), reference(x, narrowed, b)) < 1e-5, form + " rows " + rows);
            NDArray normed = reference(norm.apply(x), narrowed, b);
            assertTrue(maxRelativeError(layer.apply(x, norm), normed) < 1e-5, form + " folded norm, rows " + rows);
            NDArray residual = m.randomNormal(new Shape(rows, OUT));
            NDArray sum = reference(x, narrowed, b).add(residual.toType(DataType.FLOAT64, false));
            layer.addTo(x, residual);
            assertTrue(maxRelativeError(residual, sum) < 1e-5, form + " added, rows " + rows);
        }
    }

    @Test
    void anInt8LayerRunsOnlyInt8FormsAndOnlyItDoes() {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            Linear int8 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.int8Weights());
            Linear fp32 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.uniform(DataType.FLOAT32));
            for (Linear.Form f : Linear.Form.values()) {
                boolean int8Form = f == Linear.Form.INT8 || f == Linear.Form.INT8_WIDENED;
                if (!int8Form) {
                    assertFalse(int8.supports(f), f.name());
                } else {
                    assertFalse(fp32.supports(f), f.name());
                }
            }
            assertTrue(int8.supports(Linear.Form.INT8));
            assertEquals((long) OUT * IN + OUT * Float.BYTES, int8.weightBytes());
            assertThrows(IllegalArgumentException.class, () -> int8.apply(m.ones(new Shape(1, IN)), Linear.Form.OUT_IN));
        }
    }

    @Test
    void aBf16LayerRunsOnlyBf16FormsAndOnlyItDoes() {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            Linear bf16 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.bf16Weights());
            Linear fp32 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.uniform(DataType.FLOAT32));
            for (Linear.Form f : Linear.Form.values()) {
                boolean bf16Form = f == Linear.Form.BF16_NATIVE || f == Linear.Form.BF16_WIDENED;
                assertFalse(bf16Form ? fp32.supports(f) : bf16.supports(f), f.name());
            }
            assertTrue(bf16.supports(Linear.Form.BF16_NATIVE));
            assertEquals((long) OUT * IN * 2, bf16.weightBytes(), "the bf16 bits and nothing else");
            assertEquals((long) OUT * IN * 2, bf16.bytesReadAt(1));
            assertThrows(IllegalArgumentException.class, () -> bf16.apply(m.ones(new Shape(1, IN)), Linear.Form.OUT_IN));
        }
    }

    /** The weights of a fp16 model are fp16: the native form multiplies those, and no fp32 copy is made for it. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8, 11})
    void theNativeFp16FormComputesWithTheFp16Weight(int rows) {
        assumeTrue(HostProduct.availableForFp16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w16 = m.randomNormal(new Shape(OUT, IN)).toType(DataType.FLOAT16, false);
            NDArray b = m.randomNormal(new Shape(OUT));
            Linear layer = Linear.fromOutIn(w16, b, Precision.halfWeights());
            Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
            Arrays.fill(forms, Linear.Form.HALF_NATIVE);
            layer.choose(forms);
            assertEquals((long) OUT * IN * 2, layer.weightBytes());
            NDArray x = m.randomNormal(new Shape(rows, IN));
            NDArray expected = reference(x, w16, b);
            assertTrue(maxRelativeError(layer.apply(x), expected) < 1e-5, "rows " + rows);
            assertFalse(Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.uniform(DataType.FLOAT32))
                    .supports(Linear.Form.HALF_NATIVE), "a fp32 layer never rounds its weight to fp16");
        }
    }

    @Test
    void theTunerPutsNarrowWeightsOnTheirNativeKernelsAtOneRow() {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        try (NDManager m = NDManager.newBaseManager()) {
            Linear int8 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.int8Weights());
            Linear half = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)).toType(DataType.FLOAT16, false), null,
                    Precision.halfWeights());
            Linear bf16 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.bf16Weights());
            LinearTuner.tune(List.of(int8, half, bf16), m, TuningCache.none());
            NDArray one = m.randomNormal(new Shape(1, IN));
            assertArrayEquals(new long[] {1, OUT}, int8.apply(one).getShape().getShape());
            assertEquals(Linear.Form.INT8, int8.formAt(1));
            assertEquals(Linear.Form.HALF_NATIVE, half.formAt(1));
            assertEquals(Linear.Form.BF16_NATIVE, bf16.formAt(1));
            for (int rows = 2; rows <= 256; rows *= 2) {
                assertTrue(bf16.supports(bf16.formAt(rows)), "rows " + rows + ": " + bf16.formAt(rows));
            }
        }
    }

    /** The weight as the quantizer's rule makes it: per row, steps of max|w|/127, rounded to the nearest. */
    private static NDArray dequantize(NDArray w) {
        float[] v = w.toFloatArray();
        double[] d = new double[v.length];
        for (int r = 0; r < OUT; r++) {
            float max = 0;
            for (int c = 0; c < IN; c++) {
                max = Math.max(max, Math.abs(v[r * IN + c]));
            }
            float inverse = 127f / max;
            for (int c = 0; c < IN; c++) {
                d[r * IN + c] = (double) (max / 127f) * Math.round(v[r * IN + c] * inverse);
            }
        }
        return w.getManager().create(d, new Shape(OUT, IN));
    }

    /** The weight rounded to bfloat16, to nearest-even, by the model store's conversion (tested on its own). */
    private static NDArray roundToBf16(NDArray w) {
        float[] v = w.toFloatArray();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[i]));
        }
        return w.getManager().create(d, w.getShape());
    }
}
