package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TuningOptions;
import dev.ferry.engine.model.cpu.HostProduct;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.testing.Golden;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.safetensors.HalfFloats;
import dev.ferry.store.safetensors.SafetensorsWriter;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import dev.ferry.store.safetensors.WeightIndex;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * dtype bf16 on the CPU: dense layers hold bf16 weights, everything else computes in fp32. The
 * references are the same tiny model with its tensors rounded to bf16 here and run in f32. Its norm
 * weights are 1 and its attention scale a power of two (1/4), so folding them into the dense
 * weights rounds nothing: a bf16 run holds exactly the reference's weights, and its logits may
 * differ from the reference's in summation order only.
 */
class Bf16WeightsTest {
    /** Relative L2 of the logits allowed against the f32 reference: the kernels' summation orders differ. */
    private static final double TOLERANCE = 1e-5;
    private static final int NEW_TOKENS = 16;
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 17, 42, 99, 3}, new int[] {5},
            new int[] {200, 7, 7, 7, 31, 64, 128, 255, 12});

    @TempDir
    static Path dir;

    /** A tiny model of {@code arch} in F32 whose norm weights are all 1. */
    private static Path unitNorms(String arch) {
        return TinyModels.create(arch + "-unit-norms", ModelPreset.fromName("tiny").spec(ModelArch.fromName(arch))
                .withSeed(22).withNormNoise(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen3", "gemma3", "gpt2"})
    void aBf16CheckpointRunsOnItsOwnBits(String arch) throws Exception {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        Path f32 = unitNorms(arch);
        Path checkpoint = rounded(f32, arch + "-bf16-checkpoint", TensorDtype.BF16, name -> true);
        Path reference = rounded(f32, arch + "-rounded-f32", TensorDtype.F32, name -> true);
        assertMatches(checkpoint, reference);
        // and its bits are all it runs on: the same values from an F32 file give the same logits, to the bit
        assertSameLogits(checkpoint, reference);
    }

    @Test
    void anF32CheckpointAskedForBf16IsRoundedToNearestEvenAtLoad() throws Exception {
        assumeTrue(HostProduct.availableForInt8OrBf16(HostProduct.Kernel.NATIVE), "native kernels not built");
        Path f32 = unitNorms("llama"); // untied: its embedding table is no dense layer's weight
        // embeddings and norms stay fp32: only the dense layers' matrices are rounded
        Path reference = rounded(f32, "llama-dense-rounded-f32", TensorDtype.F32,
                name -> name.endsWith("_proj.weight") || name.equals("lm_head.weight"));
        assertMatches(f32, reference);
        assertSameLogits(f32, reference);
    }

    /** {@code model} run as bf16 against {@code reference} run as f32: last-position logits, then greedy tokens. */
    private static void assertMatches(Path model, Path reference) throws InterruptedException {
        try (ModelFolder bf16Folder = ModelFolder.open(model);
             ModelFolder f32Folder = ModelFolder.open(reference);
             ModelRunner bf16 = ModelRunner.load(bf16Folder, options(TensorDtype.BF16));
             ModelRunner f32Run = ModelRunner.load(f32Folder, options(TensorDtype.F32))) {
            for (int[] prompt : PROMPTS) {
                float[] expected = GoldenTest.prefillLogits(f32Run, prompt);
                double error = Golden.relativeL2(GoldenTest.prefillLogits(bf16, prompt),
                        IntStream.range(0, expected.length).mapToDouble(i -> expected[i]).toArray());
                System.out.printf("%s as bf16 against %s: %s last-logits relative L2 %.2e%n", model.getFileName(),
                        reference.getFileName(), Arrays.toString(prompt), error);
                assertTrue(error <= TOLERANCE, Arrays.toString(prompt) + ": logits differ by " + error + " (relative L2)");
            }
            assertArrayEquals(greedy(f32Run), greedy(bf16), "greedy tokens");
        }
    }

    /**
     * The logits of {@code a} and {@code b}, both run as bf16, are the same to the bit: both hold the
     * same bf16 weights. One-token prompts, so that each step has one row and runs the same form.
     */
    private static void assertSameLogits(Path a, Path b) {
        try (ModelFolder fa = ModelFolder.open(a);
             ModelFolder fb = ModelFolder.open(b);
             ModelRunner ra = ModelRunner.load(fa, options(TensorDtype.BF16));
             ModelRunner rb = ModelRunner.load(fb, options(TensorDtype.BF16))) {
            for (int token : new int[] {1, 77, 300}) {
                assertArrayEquals(GoldenTest.prefillLogits(rb, new int[] {token}),
                        GoldenTest.prefillLogits(ra, new int[] {token}), "token " + token);
            }
        }
    }

    private static int[][] greedy(ModelRunner runner) throws InterruptedException {
        List<int[]> out = new ArrayList<>();
        try (Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            for (int[] prompt : PROMPTS) {
                out.add(engine.submit(GenerateRequest.of(prompt, NEW_TOKENS, SamplingParams.greedy()).withIgnoreEos(true))
                        .await().tokenIds());
            }
        }
        return out.toArray(int[][]::new);
    }

    /** The loads share a tuning cache, so both runs of a dtype pick the same forms. */
    private static LoadOptions options(TensorDtype dtype) {
        return LoadOptions.defaults().withDtype(dtype).withTuning(new TuningOptions(dir.resolve("tuning"), false));
    }

    /**
     * A copy of the model folder {@code source} whose tensors are stored as {@code storeAs}, those
     * that {@code round} names rounded to bf16 (to nearest, ties to even), the others as they are.
     */
    private static Path rounded(Path source, String name, TensorDtype storeAs, Predicate<String> round)
            throws IOException {
        Path out = dir.resolve(name);
        Files.createDirectories(out);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(WeightIndex.SINGLE)) {
                    Files.copy(f, out.resolve(f.getFileName()));
                }
            }
        }
        Map<String, TensorInfo> tensors = WeightIndex.open(source).tensors();
        List<SafetensorsWriter.Entry> entries = tensors.values().stream()
                .map(t -> new SafetensorsWriter.Entry(t.name(), storeAs, t.shape())).toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(out.resolve(WeightIndex.SINGLE), entries, Map.of())) {
            for (SafetensorsWriter.Entry e : entries) {
                FloatBuffer stored = WeightIndex.map(tensors.get(e.name())).asFloatBuffer(); // the F32 the creator wrote
                float[] values = new float[stored.remaining()];
                stored.get(values);
                if (round.test(e.name()) || storeAs == TensorDtype.BF16) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(values[i]));
                    }
                }
                w.writeTensor(e.name(), values);
            }
        }
        return out;
    }
}
