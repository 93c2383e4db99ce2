package dev.ferry.engine.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.JsonFiles;
import dev.ferry.store.config.PoolingMode;
import dev.ferry.store.config.Quantization;
import dev.ferry.store.safetensors.TensorDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encoder on tiny random models of both families: an input's vector does not depend on what
 * else is in its batch (packed inputs attend only to themselves, in every pooling mode), vectors are
 * unit length when the model normalizes, and inputs the model cannot take are refused by index.
 */
class LoadedEncoderTest {
    private static final List<String> TEXTS = List.of("one", "The quick brown fox jumps over the lazy dog.",
            "a small model learns to read", "numbers like 1234 and 2024, and punctuation (commas; colons: and quotes)");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"bert, MEAN", "bert, CLS", "bert, MAX", "bert, LAST_TOKEN",
            "xlm-roberta, CLS", "xlm-roberta, MEAN", "xlm-roberta, MAX", "xlm-roberta, LAST_TOKEN"})
    void vectorsInAMixedBatchEqualThoseAlone(String arch, PoolingMode mode) throws IOException {
        Path model = withPooling(TinyModels.create(arch, 3), mode);
        try (ModelFolder folder = ModelFolder.open(model);
             LoadedEncoder encoder = LoadedEncoder.load(folder, LoadOptions.defaults())) {
            assertEquals(mode, encoder.pooling());
            List<int[]> ids = new ArrayList<>();
            TEXTS.forEach(t -> ids.add(encoder.encode(t)));
            float[][] together = encoder.embed(ids);
            for (int i = 0; i < ids.size(); i++) {
                float[] alone = encoder.embed(List.of(ids.get(i)))[0];
                assertArrayEquals(alone, together[i], 2e-5f, arch + " " + mode + ", text " + i);
                assertEquals(1.0, norm(alone), 1e-5, "normalized");
            }
            assertTrue(distance(together[0], together[1]) > 1e-3, "different texts, different vectors");
        }
    }

    /**
     * fp32 on the CPU attends through the native packed kernel where it applies, fp64 through
     * libtorch's ops input by input: both forms give the same vectors.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bert", "xlm-roberta"})
    void nativeAttentionAgreesWithLibtorchsOps(String arch) throws IOException {
        Path model = TinyModels.create(arch, 3);
        try (ModelFolder folder = ModelFolder.open(model);
             LoadedEncoder f32 = LoadedEncoder.load(folder, LoadOptions.defaults());
             LoadedEncoder f64 = LoadedEncoder.load(folder, LoadOptions.defaults().withDtype(TensorDtype.F64))) {
            List<int[]> ids = new ArrayList<>();
            TEXTS.forEach(t -> ids.add(f32.encode(t)));
            float[][] fp32 = f32.embed(ids);
            float[][] fp64 = f64.embed(ids);
            for (int i = 0; i < ids.size(); i++) {
                assertArrayEquals(fp64[i], fp32[i], 1e-5f, arch + " text " + i);
            }
        }
    }

    /**
     * Narrow weights (--quantize int8, --dtype bf16) move an encoder's unit vectors a little, not away
     * from f32's, and the cache keys tell their vectors from fp32 ones.
     */
    @ParameterizedTest
    @CsvSource({"int8, float32+int8, 0.05", "bf16, bfloat16, 0.01"})
    void narrowWeightsKeepTheVectorsClose(String weights, String numerics, double bound) throws IOException {
        Path model = TinyModels.create("bert", 3);
        LoadOptions narrow = weights.equals("int8") ? LoadOptions.defaults().withQuantize(Quantization.INT8)
                : LoadOptions.defaults().withDtype(TensorDtype.fromUserName(weights));
        try (ModelFolder folder = ModelFolder.open(model);
             LoadedEncoder f32 = LoadedEncoder.load(folder, LoadOptions.defaults());
             LoadedEncoder narrowed = LoadedEncoder.load(folder, narrow)) {
            List<int[]> ids = new ArrayList<>();
            TEXTS.forEach(t -> ids.add(f32.encode(t)));
            float[][] exact = f32.embed(ids);
            float[][] close = narrowed.embed(ids);
            for (int i = 0; i < ids.size(); i++) {
                double d = distance(exact[i], close[i]);
                System.out.printf("%s text %d: distance %.2e%n", weights, i, d);
                assertTrue(d > 0 && d < bound, weights + " text " + i + ": distance " + d);
            }
            assertEquals("float32", f32.numerics());
            assertEquals(numerics, narrowed.numerics(), "cache keys must tell " + weights + " vectors from fp32 ones");
        }
    }

    @Test
    void truncationKeepsTheClosingSpecialToken() throws IOException {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("bert", 3));
             LoadedEncoder encoder = LoadedEncoder.load(folder, LoadOptions.defaults().withMaxModelLen(8))) {
            assertEquals(8, encoder.maxInputTokens());
            int[] ids = encoder.encode(TEXTS.get(1));
            int[] cut = encoder.truncate(ids);
            assertEquals(8, cut.length);
            assertEquals(ids[0], cut[0]);
            assertEquals(ids[ids.length - 1], cut[7], "[SEP] stays last");
            assertEquals(ids[6], cut[6]);
            InvalidRequestException tooLong = assertThrows(InvalidRequestException.class,
                    () -> encoder.embed(List.of(cut, ids)));
            assertTrue(tooLong.getMessage().startsWith("input[1]: " + ids.length + " tokens exceed"), tooLong.getMessage());
        }
    }

    @Test
    void emptyInputsAndIdsOutsideTheVocabularyAreRefusedByIndex() throws IOException {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("xlm-roberta", 3));
             LoadedEncoder encoder = LoadedEncoder.load(folder, LoadOptions.defaults())) {
            InvalidRequestException empty = assertThrows(InvalidRequestException.class,
                    () -> encoder.embed(List.of(new int[] {0, 5, 2}, new int[0])));
            assertEquals("input", empty.field());
            assertTrue(empty.getMessage().startsWith("input[1]: empty"), empty.getMessage());
            InvalidRequestException vocab = assertThrows(InvalidRequestException.class,
                    () -> encoder.embed(List.of(new int[] {0, 512, 2})));
            assertTrue(vocab.getMessage().contains("input[0]: token id 512 is outside the vocabulary"), vocab.getMessage());
        }
    }

    @Test
    void decoderAndEncoderDoorsRefuseEachOthersFolders() {
        try (ModelFolder encoderFolder = ModelFolder.open(TinyModels.create("bert", 3));
             ModelFolder decoderFolder = ModelFolder.open(TinyModels.create("llama", 3))) {
            IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                    () -> LoadedModel.load(encoderFolder, LoadOptions.defaults()));
            assertTrue(a.getMessage().contains("is an encoder"), a.getMessage());
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> LoadedEncoder.load(decoderFolder, LoadOptions.defaults()));
            assertTrue(b.getMessage().contains("is a decoder"), b.getMessage());
        }
    }

    /** A copy of {@code model} whose 1_Pooling/config.json selects {@code mode}. */
    private Path withPooling(Path model, PoolingMode mode) throws IOException {
        Path copy = dir.resolve(model.getFileName() + "-" + mode);
        try (var files = Files.walk(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(model.relativize(f).toString()));
            }
        }
        Path pooling = copy.resolve("1_Pooling/config.json");
        ObjectNode json = JsonFiles.readObject(pooling);
        for (PoolingMode m : PoolingMode.values()) {
            json.put(m.key(), m == mode);
        }
        Files.writeString(pooling, json.toPrettyString());
        return copy;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    private static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
