package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.kv.BlockAllocator;
import dev.ferry.engine.runtime.Generator;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.engine.runtime.RunnerOptions;
import dev.ferry.engine.sample.SamplingParams;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.engine.testing.Golden;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden case of every architecture, against outputs of an independent float64 reference:
 * the greedy tokens must be equal and the logits at the last prompt position within 1e-4
 * (relative L2). Device, dtype and tolerances can be overridden with system properties
 * (ferry.test.device, ferry.test.dtype, ferry.golden.tolerance, ferry.golden.tokens) so the same
 * test checks the GPU path in fp16.
 */
class GoldenTest {
    private static final String DEVICE = System.getProperty("ferry.test.device", "cpu");
    private static final TensorDtype DTYPE = TensorDtype.fromUserName(System.getProperty("ferry.test.dtype", "f32"));
    private static final double TOLERANCE = Double.parseDouble(System.getProperty("ferry.golden.tolerance", "1e-4"));
    private static final int TOKENS = Integer.parseInt(System.getProperty("ferry.golden.tokens", "16"));

    static Iterable<String> models() {
        return Golden.MODELS;
    }

    @ParameterizedTest
    @MethodSource("models")
    void greedyTokensAndLastLogitsMatchReference(String name) {
        try (ModelFolder folder = ModelFolder.open(Golden.modelDir(name));
             ModelRunner runner = ModelRunner.load(folder, RunnerOptions.defaults().withDevice(DEVICE).withDtype(DTYPE))) {
            Generator generator = new Generator(runner);
            for (Golden.Case c : Golden.cases(name)) {
                if (c.promptText() != null) {
                    assertArrayEquals(c.promptIds(), folder.tokenizer().encode(c.promptText(), true),
                            name + ": tokenizer encoding of \"" + c.promptText() + "\"");
                }
                float[] logits = prefillLogits(runner, c.promptIds());
                double err = Golden.relativeL2(logits, c.lastLogits());
                System.out.printf("%s %s on %s/%s: last-logits relative L2 %.2e%n", name,
                        Arrays.toString(c.promptIds()), DEVICE, DTYPE, err);
                assertTrue(err <= TOLERANCE, name + ": last-position logits differ by " + err + " (relative L2)");
                int[] got = generator.generate(c.promptIds(), c.greedyIds().length, SamplingParams.greedy(), false,
                        t -> { }).tokenIds();
                assertArrayEquals(Arrays.copyOf(c.greedyIds(), TOKENS), Arrays.copyOf(got, TOKENS),
                        name + " greedy tokens for prompt " + Arrays.toString(c.promptIds()));
            }
        }
    }

    private static float[] prefillLogits(ModelRunner runner, int[] prompt) {
        Sequence seq = new Sequence(prompt);
        BlockAllocator blocks = new BlockAllocator(runner.kvSpec().numBlocks());
        seq.setBlockTable(blocks.ensureCapacity(seq.blockTable(), prompt.length, runner.kvSpec().blockSize()));
        try (NDManager step = runner.newStepManager()) {
            float[] out = runner.forward(new BatchBuilder(runner.kvSpec().blockSize()).add(seq, prompt.length).build(), step)
                    .toFloatArray();
            assertEquals(runner.folder().config().vocabSize(), out.length);
            return out;
        }
    }
}
