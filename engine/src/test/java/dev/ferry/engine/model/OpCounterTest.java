package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.cpu.VectorApi;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The libtorch ops of a batch-1 Llama decode step, counted as the benchmarks count them: the lean
 * step's budget, so that an op added to every layer shows up here rather than in a GPU run.
 */
class OpCounterTest {
    private static final int LAYERS = 4;
    private static final Path LLAMA = TinyModels.create("llama-4-layers",
            ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(31).withLayers(LAYERS));

    @Test
    void javaKernelLayersIssueNoOpsBeyondTheStepsBuffers() {
        assumeTrue(VectorApi.available(), "the Java kernels need --add-modules jdk.incubator.vector");
        OpCounter counter = decodeStep(TensorDtype.F32);
        // q/k/v, attention, gate/up and the activation: four buffers, made by the first layer for all
        assertEquals(4.0 / LAYERS, counter.perLayer(), 1e-9);
    }

    @Test
    void libtorchLayersStayWithinTheirBudget() {
        // f64 runs every op through libtorch, as a GPU step does
        OpCounter counter = decodeStep(TensorDtype.F64);
        assertTrue(counter.perLayer() <= 28, "ops per layer: " + counter.perLayer());
    }

    /** Prefills five tokens, then counts one decode step. */
    private static OpCounter decodeStep(TensorDtype dtype) {
        try (ModelFolder folder = ModelFolder.open(LLAMA);
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDevice("cpu").withDtype(dtype))) {
            KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
            int blockSize = runner.kvSpec().blockSize();
            Sequence seq = new Sequence(new int[] {3, 1, 4, 1, 5});
            assertTrue(kv.allocate(seq, 5));
            try (NDManager step = runner.newStepManager()) {
                seq.append((int) runner.forward(new BatchBuilder(blockSize).add(seq, 5).build(), step)
                        .argMax(1).toLongArray()[0]);
                seq.markComputed(5);
            }
            assertTrue(kv.allocate(seq, 1));
            OpCounter counter = new OpCounter();
            try (NDManager step = runner.newStepManager()) {
                runner.forward(new BatchBuilder(blockSize).add(seq, 1).build(), step, counter);
                assertTrue(OpCounter.arrays(step) > counter.perLayer() * LAYERS, "the step's total includes its layers'");
            }
            return counter;
        }
    }
}
