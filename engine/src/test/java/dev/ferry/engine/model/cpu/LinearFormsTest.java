package dev.ferry.engine.model.cpu;

import static dev.ferry.engine.model.cpu.ProductReference.maxRelativeError;
import static dev.ferry.engine.model.cpu.ProductReference.reference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.RmsNorm;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every physical form of a dense layer computes the same {@code x W^T + b}: the tuner may pick any
 * of them per batch size, so a wrong stride or transpose in one would corrupt only some batches.
 */
class LinearFormsTest {
    private static final int IN = 50; // not a multiple of a vector: the kernels' tails run too
    private static final int OUT = 40;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 17})
    void everyFp32FormMatchesTheReference(int rows) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(OUT, IN));
            NDArray b = m.randomNormal(new Shape(OUT));
            NDArray x = m.randomNormal(new Shape(rows, IN));
            NDArray expected = reference(x, w, b);
            Linear layer = Linear.fromOutIn(w, b, Precision.uniform(DataType.FLOAT32));
            for (Linear.Form f : Linear.Form.values()) {
                if (f == Linear.Form.HALF_OUT_IN || !layer.supports(f)) {
                    continue;
                }
                NDArray got = layer.apply(x, f);
                assertEquals(new Shape(rows, OUT), got.getShape(), f.name());
                if (rows > 0) {
                    assertTrue(maxRelativeError(got, expected) < 1e-5, f + ": " + maxRelativeError(got, expected));
                }
            }
        }
    }

    /** OpenBLAS reads the tensor's memory directly: a strided view must be copied first, not misread. */
    @Test
    void openBlasReadsAViewAsItsValues() {
        assumeTrue(OpenBlas.available(), "OpenBLAS is not installed");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(OUT, IN));
            NDArray wide = m.randomNormal(new Shape(IN, 5));
            NDArray view = wide.transpose(); // [5, IN], not contiguous
            Linear layer = Linear.fromOutIn(w, null, Precision.uniform(DataType.FLOAT32));
            assertTrue(maxRelativeError(layer.apply(view, Linear.Form.OPENBLAS), reference(view, w, null)) < 1e-5);
        }
    }

    /** Shared in parts between two threads, each part of the output columns lands where it belongs, for GEMV and GEMM. */
    @ParameterizedTest
    @ValueSource(ints = {1, 17})
    void aProductInPartsMatchesTheReference(int rows) {
        assumeTrue(OpenBlas.available(), "OpenBLAS is not installed");
        int out = 70; // parts of 16 columns and a last one of 6
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(out, IN));
            NDArray x = m.randomNormal(new Shape(rows, IN));
            for (int repeat = 0; repeat < 50; repeat++) { // the parts fall to the two threads differently each time
                NDArray y = m.create(new Shape(rows, out), DataType.FLOAT32);
                OpenBlas.linear(x, OpenBlas.address(w), y, rows, IN, out, 16, null, false);
                assertTrue(maxRelativeError(y, reference(x, w, null)) < 1e-5);
            }
        }
    }

    /**
     * A folded RMSNorm is applied to the output rows of a host product (OpenBLAS, the Vector kernel
     * or the native one), not to its input: the same values as the norm's own ops followed by the product, at
     * one row (the GEMV's alpha), several (a scale per row), past OpenBLAS's fused limit (its norm's
     * ops; the others' factors), and at 64 rows (the native product's packed form).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, Linear.FUSED_NORM_ROWS, Linear.FUSED_NORM_ROWS + 1, 64})
    void aFoldedNormOnTheOutputMatchesTheNormThenTheProduct(int rows) {
        for (Linear.Form form : new Linear.Form[] {Linear.Form.OPENBLAS, Linear.Form.VECTOR, Linear.Form.NATIVE}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray w = m.randomNormal(new Shape(OUT, IN));
                NDArray b = m.randomNormal(new Shape(OUT));
                Linear layer = Linear.fromOutIn(w, b, Precision.uniform(DataType.FLOAT32));
                if (!layer.supports(form)) {
                    continue;
                }
                Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
                Arrays.fill(forms, form);
                layer.choose(forms);
                RmsNorm norm = new RmsNorm(null, 1e-3, DataType.FLOAT32, m);
                // rows of different sizes, small enough that eps changes the factor
                NDArray x = m.randomNormal(new Shape(rows, IN)).mul(m.arange(1f, rows + 1f).reshape(rows, 1).mul(0.01f));
                NDArray expected = reference(norm.apply(x), w, b);
                NDArray got = layer.apply(x, norm);
                assertEquals(new Shape(rows, OUT), got.getShape());
                assertTrue(maxRelativeError(got, expected) < 1e-5, form + ": error " + maxRelativeError(got, expected));
            }
        }
    }

    /** Added into the residual by BLAS (in parts, by two threads) or by a separate add, the sum is the same. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 17})
    void addingIntoTheResidualMatchesTheProductPlusTheResidual(int rows) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(new Shape(OUT, IN));
            NDArray x = m.randomNormal(new Shape(rows, IN));
            NDArray product = reference(x, w, null);
            for (Linear.Form f : Linear.Form.values()) {
                Linear layer = Linear.fromOutIn(w.duplicate(), null, Precision.uniform(DataType.FLOAT32));
                if (f == Linear.Form.HALF_OUT_IN || !layer.supports(f)) {
                    continue;
                }
                Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
                Arrays.fill(forms, f);
                layer.choose(forms); // one form for every batch size: releases the weights of the others
                NDArray residual = m.randomNormal(new Shape(rows, OUT));
                NDArray expected = product.add(residual.toType(DataType.FLOAT64, false));
                layer.addTo(x, residual);
                if (rows > 0) {
                    assertTrue(maxRelativeError(residual, expected) < 1e-5, f + ": " + maxRelativeError(residual, expected));
                }
            }
        }
    }

    @Test
    void partsAreWholeCacheLinesOfAboutAFixedSizeAndNeverTooMany() {
        assertEquals(176, OpenBlas.partColumns(768, 4096));   // 512 KiB of a 768-wide weight: 170.7 columns, rounded up to 16
        assertEquals(1008, OpenBlas.partColumns(768, 32000)); // 32 parts at most
        assertEquals(64, OpenBlas.partColumns(2048, 768));
        assertEquals(40, OpenBlas.partColumns(768, 40));      // a small layer runs whole
    }

    /** Where OpenBLAS is installed (./run-tests installs it) the form must be on offer: a silent fallback would hide a broken binding. */
    @Test
    void openBlasIsOfferedForFp32OnTheCpuWhenInstalled() throws Exception {
        assumeTrue(installed(), "OpenBLAS is not installed");
        assumeTrue(Boolean.parseBoolean(System.getProperty("ferry.openblas", "true")), "switched off (-Dferry.openblas=false)");
        try (NDManager m = NDManager.newBaseManager()) {
            Linear fp32 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)), null, Precision.uniform(DataType.FLOAT32));
            Linear fp64 = Linear.fromOutIn(m.randomNormal(new Shape(OUT, IN)).toType(DataType.FLOAT64, false), null,
                    Precision.uniform(DataType.FLOAT64));
            assertTrue(fp32.supports(Linear.Form.OPENBLAS));
            assertTrue(!fp64.supports(Linear.Form.OPENBLAS));
        }
    }

    private static boolean installed() throws Exception {
        Process p = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        String libs = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return libs.contains("libopenblas.so.0");
    }
}
