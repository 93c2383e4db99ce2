package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, per weight shape and row-count bucket, the {@link Linear.Form} that runs fastest on this
 * machine. Timings rotate over every layer of a shape so weights come from memory as in a real
 * step, not from cache. In a fp32 model only fp32 forms compete ([out,in] versus [in,out]), so the
 * choice changes nothing but summation order; a fp16 model on the CPU may also use fp32 copies of
 * its fp16 weights (exact upcasts) where fp16 GEMM is slower.
 */
public final class LinearTuner {
    private static final Logger LOG = LoggerFactory.getLogger(LinearTuner.class);
    /** Largest row count measured; larger buckets reuse its choice. */
    private static final int MAX_TUNED_BUCKET = 6;
    private static final int REPEATS = 3;

    private LinearTuner() {}

    public static void tune(List<Linear> linears, NDManager parent) {
        if (linears.isEmpty() || linears.get(0).precision().activations() != DataType.FLOAT32) {
            return; // fp64 exists for exactness tests, where speed does not matter
        }
        Map<String, List<Linear>> byShape = new LinkedHashMap<>();
        for (Linear l : linears) {
            byShape.computeIfAbsent(l.outFeatures() + "x" + l.inFeatures(), k -> new ArrayList<>()).add(l);
        }
        long t0 = System.nanoTime();
        for (Map.Entry<String, List<Linear>> e : byShape.entrySet()) {
            Linear.Form[] forms = tuneShape(e.getValue(), parent);
            for (Linear l : e.getValue()) {
                l.choose(forms);
            }
            LOG.debug("linear {}: forms by bucket {}", e.getKey(), Arrays.toString(forms));
        }
        LOG.info("tuned {} linear shapes in {} ms", byShape.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    private static Linear.Form[] tuneShape(List<Linear> layers, NDManager parent) {
        Precision precision = layers.get(0).precision();
        DataType dtype = precision.activations();
        // fp16 weights only where the model is fp16: the choice must not change a fp32 model's numerics
        Linear.Form[] candidates = Arrays.stream(precision.mixed()
                        ? new Linear.Form[] {Linear.Form.HALF_OUT_IN, Linear.Form.OUT_IN, Linear.Form.IN_OUT, Linear.Form.OPENBLAS}
                        : new Linear.Form[] {Linear.Form.OUT_IN, Linear.Form.IN_OUT, Linear.Form.OPENBLAS})
                .filter(layers.get(0)::supports).toArray(Linear.Form[]::new);
        Linear.Form[] best = new Linear.Form[Linear.BUCKETS];
        for (int b = 0; b <= MAX_TUNED_BUCKET; b++) {
            long rows = 1L << b;
            double bestTime = Double.MAX_VALUE;
            try (NDManager m = parent.newSubManager()) {
                NDArray x = m.randomNormal(new Shape(rows, layers.get(0).inFeatures())).toType(dtype, false);
                double[] times = time(layers, x, candidates);
                for (int i = 0; i < candidates.length; i++) {
                    if (times[i] < bestTime) {
                        bestTime = times[i];
                        best[b] = candidates[i];
                    }
                }
            }
        }
        for (int b = MAX_TUNED_BUCKET + 1; b < Linear.BUCKETS; b++) {
            best[b] = best[MAX_TUNED_BUCKET];
        }
        return best;
    }

    /**
     * Each form's median time for one pass over all layers. The forms take turns within each
     * repeat, so each is timed right after the others, as in a step where other work comes between
     * two products, and not only after itself (which flatters a form whose threads stay awake).
     */
    private static double[] time(List<Linear> layers, NDArray x, Linear.Form[] forms) {
        for (Linear.Form f : forms) {
            pass(layers, x, f); // warm-up, also materialises the form
        }
        double[][] t = new double[forms.length][REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            for (int i = 0; i < forms.length; i++) {
                long s = System.nanoTime();
                pass(layers, x, forms[i]);
                t[i][r] = System.nanoTime() - s;
            }
        }
        double[] medians = new double[forms.length];
        for (int i = 0; i < forms.length; i++) {
            Arrays.sort(t[i]);
            medians[i] = t[i][REPEATS / 2];
        }
        return medians;
    }

    private static void pass(List<Linear> layers, NDArray x, Linear.Form form) {
        for (Linear l : layers) {
            l.apply(x, form).close();
        }
    }
}
