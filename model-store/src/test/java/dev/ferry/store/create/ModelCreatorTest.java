package dev.ferry.store.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.safetensors.HalfFloats;
import dev.ferry.store.safetensors.SafetensorsTestReader;
import dev.ferry.store.safetensors.TensorDtype;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelCreatorTest {
    private static final ModelCreator CREATOR = new ModelCreator(new PrintStream(OutputStream.nullOutputStream()));
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "model.safetensors");

    @TempDir
    Path dir;

    private Path create(ModelSpec spec, String name) throws IOException {
        Path out = dir.resolve(name);
        CREATOR.create(spec, out);
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA", "QWEN3", "PHI3", "GEMMA3"},
            mode = EnumSource.Mode.EXCLUDE)
    void tinyModelMatchesGoldenFilesAndStaysUnderOneMegabyte(ModelArch arch) throws Exception {
        Path out = create(ModelPreset.TINY.spec(arch), "m");
        GoldenTinyFiles.Files golden = GoldenTinyFiles.of(arch);
        assertEquals(golden.config(), Files.readString(out.resolve("config.json")));
        assertEquals(golden.generationConfig(), Files.readString(out.resolve("generation_config.json")));
        assertEquals(golden.tokenizerSha256(), sha256(out.resolve("tokenizer.json")));
        long total = 0;
        for (String f : FILES) {
            total += Files.size(out.resolve(f));
        }
        assertTrue(total < 1_000_000, "tiny folder is " + total + " bytes");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA", "QWEN3", "PHI3", "GEMMA3"},
            mode = EnumSource.Mode.EXCLUDE)
    void weightsUseHuggingFaceNamesAndLayouts(ModelArch arch) throws IOException {
        ModelSpec spec = ModelPreset.TINY.spec(arch);
        var st = new SafetensorsTestReader(create(spec, "m").resolve("model.safetensors"));
        var t = st.tensors();
        assertEquals(Map.of("format", "pt"), st.metadata());
        assertEquals(ModelCreator.parameterCount(spec),
                t.values().stream().mapToLong(i -> Arrays.stream(i.shape()).reduce(1, (a, b) -> a * b)).sum());
        assertTrue(t.values().stream().allMatch(i -> i.dtype().equals("F32")));
        switch (arch) {
            case GPT2 -> {
                assertEquals(2 + 2 * 12 + 2, t.size());
                assertArrayEquals(new long[] {64, 192}, t.get("transformer.h.0.attn.c_attn.weight").shape()); // Conv1D [in, out]
                assertArrayEquals(new long[] {256, 64}, t.get("transformer.h.1.mlp.c_proj.weight").shape());
                assertArrayEquals(new long[] {256, 64}, t.get("transformer.wpe.weight").shape());
                assertFalse(t.containsKey("lm_head.weight")); // tied to wte
            }
            case QWEN2 -> {
                assertEquals(1 + 2 * 12 + 1, t.size());
                assertArrayEquals(new long[] {64}, t.get("model.layers.0.self_attn.q_proj.bias").shape());
                assertArrayEquals(new long[] {32}, t.get("model.layers.1.self_attn.v_proj.bias").shape());
                assertFalse(t.containsKey("lm_head.weight"));
            }
            default -> { // llama, mistral: GQA 4/2 heads of 16, untied
                assertEquals(1 + 2 * 9 + 1 + 1, t.size());
                assertArrayEquals(new long[] {32, 64}, t.get("model.layers.0.self_attn.k_proj.weight").shape()); // [out, in]
                assertArrayEquals(new long[] {64, 160}, t.get("model.layers.1.mlp.down_proj.weight").shape());
                assertArrayEquals(new long[] {512, 64}, t.get("lm_head.weight").shape());
                assertFalse(t.containsKey("model.layers.0.self_attn.q_proj.bias"));
            }
        }
    }

    @Test
    void normsScatterAroundOneAndWeightsAroundZeroWithTheSpecsStd() throws IOException {
        var st = new SafetensorsTestReader(create(ModelPreset.TINY.spec(ModelArch.LLAMA), "m").resolve("model.safetensors"));
        float[] norms = concat(st, st.tensors().keySet().stream().filter(n -> n.endsWith("norm.weight")));
        float[] weights = concat(st, st.tensors().keySet().stream().filter(n -> !n.endsWith("norm.weight")));
        assertEquals(1.0, mean(norms), 0.02);
        assertEquals(0.1, std(norms), 0.01); // norm noise 0.1
        assertEquals(0.0, mean(weights), 0.002);
        assertEquals(0.1, std(weights), 0.002); // tiny's std
    }

    @Test
    void sameSeedGivesIdenticalFilesAndOtherSeedOtherWeights() throws IOException {
        ModelSpec spec = ModelPreset.TINY.spec(ModelArch.QWEN2).withSeed(7);
        Path a = create(spec, "a");
        Path b = create(spec, "b");
        Path c = create(spec.withSeed(8), "c");
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
            if (!f.equals("model.safetensors")) {
                assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(c.resolve(f)), f);
            }
        }
        var sa = new SafetensorsTestReader(a.resolve("model.safetensors"));
        var sc = new SafetensorsTestReader(c.resolve("model.safetensors"));
        assertEquals(sa.headerText(), sc.headerText());
        for (String name : sa.tensors().keySet()) {
            assertFalse(Arrays.equals(sa.bytes(name), sc.bytes(name)), name + " did not change with the seed");
        }
    }

    @Test
    void halfPrecisionFilesHoldTheFloat32WeightsRounded() throws IOException {
        ModelSpec spec = ModelPreset.TINY.spec(ModelArch.MISTRAL);
        var f32 = new SafetensorsTestReader(create(spec, "f32").resolve("model.safetensors"));
        Path f16Dir = create(spec.withDtype(TensorDtype.F16), "f16");
        Path bf16Dir = create(spec.withDtype(TensorDtype.BF16), "bf16");
        var f16 = new SafetensorsTestReader(f16Dir.resolve("model.safetensors"));
        var bf16 = new SafetensorsTestReader(bf16Dir.resolve("model.safetensors"));
        assertTrue(Files.readString(f16Dir.resolve("config.json")).contains("\"torch_dtype\": \"float16\""));
        assertTrue(Files.readString(bf16Dir.resolve("config.json")).contains("\"torch_dtype\": \"bfloat16\""));
        for (String name : f32.tensors().keySet()) {
            assertEquals("F16", f16.tensors().get(name).dtype());
            assertEquals("BF16", bf16.tensors().get(name).dtype());
            float[] exact = f32.floats(name);
            float[] half = f16.floats(name);
            float[] brain = bf16.floats(name);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(HalfFloats.halfToFloat(HalfFloats.floatToHalf(exact[i])), half[i], name);
                assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(exact[i])), brain[i], name);
            }
        }
    }

    /** The newer families (no golden files of their own): the folder loads back as the spec's config. */
    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"QWEN3", "PHI3", "GEMMA3"})
    void newerFamiliesLoadBackAsTheirSpec(ModelArch arch) throws IOException {
        ModelSpec spec = ModelPreset.TINY.spec(arch);
        try (ModelFolder folder = ModelFolder.open(create(spec, "m"))) {
            DecoderConfig c = folder.config();
            DecoderConfig expected = spec.decoderConfig();
            assertEquals(expected, new DecoderConfig(c.architecture(), c.hiddenSize(), c.numLayers(), c.numHeads(),
                    c.numKvHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(), c.maxPositions(), c.normEps(),
                    c.ropeTheta(), c.ropeScaling(), c.tieWordEmbeddings(), c.qkvBias(), c.outputBias(),
                    c.slidingWindow(), c.activation(), c.attentionScaleByLayer(), null, List.of(), c.torchDtype(),
                    c.qkNorm(), c.attentionScalar(), c.rotaryDim(), c.slidingLayers(), c.localRopeTheta(),
                    c.finalLogitSoftcap()));
        }
    }

    @Test
    void presetsHaveTheAdvertisedShapes() {
        ModelSpec small = ModelPreset.SMALL.spec(ModelArch.LLAMA);
        assertEquals(124_668_672L, ModelCreator.parameterCount(small)); // ~125M, untied
        assertEquals(TensorDtype.F32, small.dtype());
        for (ModelArch arch : ModelArch.decoders()) {
            assertFalse(ModelPreset.SMALL.spec(arch).tieWordEmbeddings(), arch + " small must be untied");
            assertTrue(ModelPreset.ONE_B.spec(arch).tieWordEmbeddings(), arch + " 1b must be tied");
        }
        TokenIds ids = new TokenIds(0, 0, List.of(0), null);
        assertEquals(false, HfConfigJson.config(ModelPreset.SMALL.spec(ModelArch.GPT2), ids).get("tie_word_embeddings"));
        assertNull(HfConfigJson.config(ModelPreset.TINY.spec(ModelArch.GPT2), ids).get("tie_word_embeddings"));

        ModelSpec oneB = ModelPreset.ONE_B.spec(ModelArch.LLAMA); // Llama-3.2-1B
        assertEquals(1_235_814_400L, ModelCreator.parameterCount(oneB));
        assertEquals(TensorDtype.BF16, oneB.dtype());
        assertEquals(64, oneB.headDim());
        Map<String, Object> config = HfConfigJson.config(oneB, ids);
        assertEquals(500000.0, config.get("rope_theta"));
        assertEquals(Map.of("factor", 32.0, "high_freq_factor", 4.0, "low_freq_factor", 1.0,
                "original_max_position_embeddings", 8192, "rope_type", "llama3"), config.get("rope_scaling"));
    }

    @Test
    void gaussianValuesDoNotDependOnHowTheTensorIsChunked() {
        GaussianSource source = new GaussianSource(3, "model.layers.0.mlp.up_proj.weight", 0.0, 1.0);
        int n = 3 * GaussianSource.BLOCK + 123;
        float[] whole = new float[n];
        source.fill(0, whole, n);
        float[] pieces = new float[n];
        float[] buf = new float[n];
        int[] cuts = {0, 1, 1000, GaussianSource.BLOCK - 1, GaussianSource.BLOCK + 7, 2 * GaussianSource.BLOCK + 1, n};
        for (int i = 0; i + 1 < cuts.length; i++) {
            source.fill(cuts[i], buf, cuts[i + 1] - cuts[i]);
            System.arraycopy(buf, 0, pieces, cuts[i], cuts[i + 1] - cuts[i]);
        }
        assertArrayEquals(whole, pieces);
        float[] other = new float[n];
        new GaussianSource(3, "model.layers.0.mlp.gate_proj.weight", 0.0, 1.0).fill(0, other, n);
        assertFalse(Arrays.equals(whole, other), "each tensor name must get its own stream");
    }

    private static float[] concat(SafetensorsTestReader st, Stream<String> names) {
        return names.map(st::floats).reduce(new float[0], (a, b) -> {
            float[] c = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        });
    }

    private static double mean(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double std(float[] x) {
        double m = mean(x);
        double s = 0;
        for (float v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / x.length);
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
