package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.cpu.SmallStepThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, per weight shape and row-count bucket, the {@link Linear.Form} that runs fastest on this
 * machine. Timings rotate over every layer of a shape so weights come from memory as in a real
 * step, not from cache. In a fp32 model only fp32 forms compete ([out,in] versus [in,out]), so the
 * choice changes nothing but summation order; a fp16 model on the CPU may also use fp32 copies of
 * its fp16 weights (exact upcasts) where fp16 GEMM is slower. Choices are kept in a
 * {@link TuningCache}, so a second start on the same host times nothing.
 */
public final class LinearTuner {
    /**
     * The version of the forms' kernels, part of every cached choice's key: raise it when a kernel,
     * a form or the candidates change, so that choices timed with the old ones are timed again.
     */
    public static final int KERNEL_VERSION = 8;
    private static final Logger LOG = LoggerFactory.getLogger(LinearTuner.class);
    /** Largest row count measured; larger buckets reuse its choice. */
    private static final int MAX_TUNED_BUCKET = 6;
    private static final int REPEATS = 5;
    private static final int WARM_UP_CALLS = 3000;
    private static final long WARM_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    private LinearTuner() {}

    /**
     * Chooses every layer's forms, from {@code cache} where it holds the layer's key, else by timing,
     * and saves what was timed there.
     *
     * @param linears every dense layer of a model, in the order a step runs them
     * @return how many shapes were timed and how many came from the cache
     */
    public static Outcome tune(List<Linear> linears, NDManager parent, TuningCache cache) {
        if (linears.isEmpty() || linears.get(0).precision().activations() != DataType.FLOAT32) {
            return new Outcome(0, 0, 0); // fp64 exists for exactness tests, where speed does not matter
        }
        Map<String, List<Linear>> byKey = new LinkedHashMap<>();
        for (Linear l : linears) {
            byKey.computeIfAbsent(key(l), k -> new ArrayList<>()).add(l);
        }
        long t0 = System.nanoTime();
        int timed = 0;
        boolean warm = false;
        for (Map.Entry<String, List<Linear>> e : byKey.entrySet()) {
            Optional<Linear.Form[]> cached = cache.lookup(e.getKey());
            long s = System.nanoTime();
            Linear.Form[] forms;
            if (cached.isPresent()) {
                forms = cached.get();
            } else {
                if (!warm) {
                    warmUp(e.getValue(), parent);
                    warm = true;
                }
                forms = tuneShape(e.getValue(), parent);
                cache.store(e.getKey(), forms);
                timed++;
            }
            for (Linear l : e.getValue()) {
                l.choose(forms);
            }
            LOG.info("linear {}: forms by bucket {} ({})", e.getKey(), Arrays.toString(forms),
                    cached.isPresent() ? "cached" : "timed in " + (System.nanoTime() - s) / 1_000_000 + " ms");
        }
        Linear.chainInStepOrder(linears);
        cache.save();
        Outcome outcome = new Outcome(timed, byKey.size() - timed, (System.nanoTime() - t0) / 1_000_000);
        LOG.info("linear forms: {} shapes timed, {} from the cache{}, in {} ms", outcome.timed(), outcome.cached(),
                cache.file().map(f -> " " + f).orElse(""), outcome.millis());
        return outcome;
    }

    /** What a {@link #tune} call did: shapes timed, shapes whose choice came from the cache, and its wall time. */
    public record Outcome(int timed, int cached, long millis) {}

    /**
     * A layer's cache key: its dtypes, its shape and the forms that compete for it here (which
     * depend on the kernels this build and host have, and on the dtypes).
     */
    static String key(Linear layer) {
        Precision p = layer.precision();
        return p.weightFormat() + "/" + p.activations() + " " + layer.outFeatures() + "x" + layer.inFeatures() + " "
                + Arrays.stream(candidates(layer)).map(Enum::name).collect(Collectors.joining(","));
    }

    /**
     * One-row products of every candidate form until {@link #WARM_UP_CALLS} calls or
     * {@link #WARM_UP_NANOS} have passed. Tuning starts right after loading, while the JIT still
     * compiles the loader's code and the calls around a product: without this the first shape
     * measured (q/k/v) ran its OpenBLAS products in 140-190 µs instead of 85, and libtorch's
     * product was chosen for it in about half of the loads.
     */
    private static void warmUp(List<Linear> layers, NDManager parent) {
        Linear first = layers.get(0);
        Linear.Form[] forms = candidates(first);
        long start = System.nanoTime();
        try (SmallStepThreads threads = SmallStepThreads.forStep(1, parent.getDevice());
             NDManager m = parent.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(1, first.inFeatures())).toType(first.precision().activations(), false);
            for (int calls = 0; calls < WARM_UP_CALLS && System.nanoTime() - start < WARM_UP_NANOS; calls += layers.size()) {
                for (Linear.Form f : forms) {
                    pass(layers, x, f);
                }
            }
        }
    }

    /**
     * The forms worth timing for this layer here; fp16 weights only where the model is fp16, so the
     * choice never changes a fp32 model's numerics.
     */
    private static Linear.Form[] candidates(Linear layer) {
        Stream<Linear.Form> fp16 = layer.precision().mixed() ? Stream.of(Linear.Form.HALF_OUT_IN) : Stream.empty();
        return Stream.concat(fp16, Arrays.stream(Linear.Form.values()).filter(f -> f != Linear.Form.HALF_OUT_IN))
                .filter(layer::supports).toArray(Linear.Form[]::new);
    }

    /**
     * At one row, the native kernel where it was built, else OpenBLAS's GEMV where it is installed,
     * untimed. Timed alone, the forms come close for some shapes, and the tuner picked libtorch's for
     * q/k/v in about half of the loads, but in the step only a host product takes the folded norm as
     * its alpha and has the next weights read ahead (batch-1 step 11.2 ms with OpenBLAS for q/k/v,
     * 12.9 with either libtorch form, 8 of 8 interleaved rounds; 12.1 against 12.8 with the Vector
     * API kernel), and the native kernel streams faster than OpenBLAS in every phase of this host's
     * memory bandwidth ({@code bench/one-row.sh}: batch-1 step 10.50 against 11.20 ms where the probe
     * read 40-50 GB/s, 8.27 against 9.91 where it read 60 or more; faster in 385 of 461 rounds).
     * From two rows on, every form is timed (the Vector API kernel won at 2-4 rows against
     * OpenBLAS's GEMM: batch-2 step 17.2 against 21.7 ms; the native fp32 kernel is then a blocked
     * product that needs no packing of the weight). Narrow weights go the same way: at one row the
     * native int8, bf16 or fp16 kernel, which read a quarter or half of fp32's bytes, and from two
     * rows on everything is timed (their
     * native kernels serve up to 8 rows per pass over the weight).
     */
    private static Linear.Form[] candidates(Linear layer, long rows) {
        List<Linear.Form> all = Arrays.asList(candidates(layer));
        if (rows == 1) {
            for (Linear.Form preferred : new Linear.Form[] {Linear.Form.INT8, Linear.Form.BF16_NATIVE,
                    Linear.Form.HALF_NATIVE, Linear.Form.NATIVE, Linear.Form.OPENBLAS}) {
                if (all.contains(preferred)) {
                    return new Linear.Form[] {preferred};
                }
            }
        }
        return all.toArray(Linear.Form[]::new);
    }

    private static Linear.Form[] tuneShape(List<Linear> layers, NDManager parent) {
        DataType dtype = layers.get(0).precision().activations();
        Linear.Form[] best = new Linear.Form[Linear.BUCKETS];
        for (int b = 0; b <= MAX_TUNED_BUCKET; b++) {
            long rows = 1L << b;
            Linear.Form[] candidates = candidates(layers.get(0), rows);
            double bestTime = Double.MAX_VALUE;
            // timed with the threads a step of this many tokens runs with
            try (SmallStepThreads threads = SmallStepThreads.forStep((int) rows, parent.getDevice());
                 NDManager m = parent.newSubManager()) {
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
     * Each form's best time for one pass over all layers. The forms take turns within each repeat,
     * so each is timed right after the others, as in a step where other work comes between two
     * products, and not only after itself (which flatters a form whose threads stay awake). The
     * best of the repeats, not the median: a stall of the machine (another process, the JIT) only
     * ever adds time, and a median of few repeats still carries it when stalls are frequent.
     */
    private static double[] time(List<Linear> layers, NDArray x, Linear.Form[] forms) {
        for (Linear.Form f : forms) {
            pass(layers, x, f); // untimed: also materialises the form
        }
        double[] best = new double[forms.length];
        Arrays.fill(best, Double.MAX_VALUE);
        for (int r = 0; r < REPEATS; r++) {
            for (int i = 0; i < forms.length; i++) {
                long s = System.nanoTime();
                pass(layers, x, forms[i]);
                best[i] = Math.min(best[i], System.nanoTime() - s);
            }
        }
        return best;
    }

    private static void pass(List<Linear> layers, NDArray x, Linear.Form form) {
        for (Linear l : layers) {
            l.apply(x, form).close();
        }
    }
}
