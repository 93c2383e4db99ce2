package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.model.cpu.HostProduct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linear tuner's choices survive a restart through the cache file, and only where nothing the
 * timings depend on has changed; a damaged file costs a retune, never a failed load.
 */
class TuningCacheTest {
    private static final TuningHost HOST = new TuningHost("Test CPU", "fpu avx2", 2, LinearTuner.KERNEL_VERSION);

    @TempDir
    Path dir;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Two layers of one shape, as a model has per shape; fresh weights each time, as after a restart. */
    private List<Linear> layers(int out, int in) {
        List<Linear> layers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            layers.add(Linear.fromOutIn(manager.randomNormal(new Shape(out, in)), null, Precision.uniform(DataType.FLOAT32)));
        }
        return layers;
    }

    private LinearTuner.Outcome tune(List<Linear> layers, TuningHost host, boolean retune) {
        return LinearTuner.tune(layers, manager, TuningCache.open(dir, host, retune));
    }

    private static Linear.Form[] choices(Linear layer) {
        Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
        for (int b = 0; b < forms.length; b++) {
            forms[b] = layer.formAt(1L << b);
        }
        return forms;
    }

    @Test
    void secondStartTakesTheFormsFromTheFileWithoutTiming() {
        List<Linear> first = layers(48, 40);
        assertEquals(1, tune(first, HOST, false).timed());
        assertTrue(Files.isRegularFile(dir.resolve(TuningCache.fileName(HOST))));

        List<Linear> second = layers(48, 40);
        LinearTuner.Outcome again = tune(second, HOST, false);
        assertEquals(0, again.timed());
        assertEquals(1, again.cached());
        for (Linear l : second) {
            assertArrayEquals(choices(first.get(0)), choices(l));
        }
    }

    @Test
    void anotherHostThreadCountOrKernelVersionTimesAgain() {
        tune(layers(48, 40), HOST, false);
        for (TuningHost other : List.of(new TuningHost("Other CPU", HOST.cpuFlags(), 2, HOST.kernelVersion()),
                new TuningHost(HOST.cpu(), "fpu avx2 avx512f", 2, HOST.kernelVersion()),
                new TuningHost(HOST.cpu(), HOST.cpuFlags(), 4, HOST.kernelVersion()),
                new TuningHost(HOST.cpu(), HOST.cpuFlags(), 2, HOST.kernelVersion() + 1))) {
            assertEquals(1, tune(layers(48, 40), other, false).timed(), other.toString());
        }
        assertEquals(0, tune(layers(48, 40), HOST, false).timed(), "the first host's file is still there");
    }

    @Test
    void eachWeightFormatOfAShapeHasAKeyOfItsOwn() {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        List<String> keys = new ArrayList<>();
        for (Precision p : List.of(Precision.uniform(DataType.FLOAT32), Precision.halfWeights(), Precision.bf16Weights(),
                Precision.int8Weights())) {
            keys.add(LinearTuner.key(Linear.fromOutIn(manager.randomNormal(new Shape(48, 40)).toType(p.weights(), false),
                    null, p)));
        }
        assertEquals(keys.size(), keys.stream().distinct().count(), keys.toString());
        assertTrue(keys.get(2).startsWith("BF16/float32 48x40 "), keys.get(2));
    }

    @Test
    void anotherShapeTimesAgainAndBothAreKept() {
        tune(layers(48, 40), HOST, false);
        assertEquals(1, tune(layers(40, 48), HOST, false).timed());
        List<Linear> both = new ArrayList<>(layers(48, 40));
        both.addAll(layers(40, 48));
        LinearTuner.Outcome o = tune(both, HOST, false);
        assertEquals(0, o.timed());
        assertEquals(2, o.cached());
    }

    @Test
    void corruptOrForeignFilesAreIgnoredAndRewritten() throws Exception {
        Path file = dir.resolve(TuningCache.fileName(HOST));
        tune(layers(48, 40), HOST, false);
        String valid = Files.readString(file);
        for (String damaged : List.of("{\"kernel_version\": 1, \"layers\": {", "[]", "",
                valid.replaceFirst("\"[A-Z_]+\"", "\"NO_SUCH_FORM\""),
                valid.replace("\"Test CPU\"", "\"Another CPU\""))) {
            Files.writeString(file, damaged);
            assertEquals(1, tune(layers(48, 40), HOST, false).timed(), damaged);
            assertEquals(0, tune(layers(48, 40), HOST, false).timed(), "rewritten after: " + damaged);
        }
    }

    @Test
    void retuneTimesEveryShapeAgainAndReplacesTheChoice() throws Exception {
        List<Linear> first = layers(48, 40);
        tune(first, HOST, false);
        Path file = dir.resolve(TuningCache.fileName(HOST));
        // planted in the file: what a start reads is what the layers run, whatever a timing would say
        Linear.Form[] planted = new Linear.Form[Linear.BUCKETS];
        Arrays.fill(planted, Linear.Form.IN_OUT);
        String key = LinearTuner.key(first.get(0));
        TuningCache forged = TuningCache.open(dir, HOST, false);
        forged.store(key, planted);
        forged.save();

        List<Linear> read = layers(48, 40);
        tune(read, HOST, false);
        assertArrayEquals(planted, choices(read.get(0)), "read from the file as planted");

        List<Linear> retuned = layers(48, 40);
        assertEquals(1, tune(retuned, HOST, true).timed());
        assertArrayEquals(choices(retuned.get(0)), TuningCache.open(dir, HOST, false).lookup(key).orElseThrow(),
                "the file holds the new timing's choice");
        assertTrue(Files.readString(file).contains("Test CPU"));
    }
}
