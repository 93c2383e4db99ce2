package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.PoolingMode;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.safetensors.SafetensorsTestReader;
import dev.ferry.store.safetensors.SafetensorsWriter;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.WeightIndex;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Encoder folders: what {@code ferry model create --arch bert|xlm-roberta} writes opens as an
 * encoder with its pooling, its tokenizer wraps inputs in the family's special tokens, and each way
 * the sentence-transformers files or the config can be wrong is refused naming the file and key.
 */
class EncoderFolderTest {
    private static final ModelCreator CREATOR = new ModelCreator(new PrintStream(OutputStream.nullOutputStream()));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path tiny(ModelArch arch) throws IOException {
        Path m = dir.resolve(arch.cliName());
        CREATOR.create(ModelPreset.TINY.spec(arch), m);
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"})
    void createdEncoderOpensAsAnEncoderWithItsPooling(ModelArch arch) throws IOException {
        try (ModelFolder f = ModelFolder.open(tiny(arch))) {
            assertEquals(ModelKind.ENCODER, f.kind());
            EncoderConfig c = f.encoderConfig();
            assertEquals(arch.architecture(), c.architecture());
            assertEquals(64, c.hiddenSize());
            assertEquals(16, c.headDim());
            assertEquals(256, c.maxTokens());
            boolean xlmr = arch == ModelArch.XLM_ROBERTA;
            assertEquals(xlmr ? 2 : 0, c.positionOffset(), "XLM-R positions start after padding_idx 1");
            assertEquals(xlmr ? 1 : 0, c.padTokenId());
            assertEquals(xlmr ? PoolingMode.CLS : PoolingMode.MEAN, f.sentenceModules().pooling());
            assertTrue(f.sentenceModules().normalize());
            assertEquals(256, f.sentenceModules().maxSeqLength());
            assertTrue(f.eosTokenIds().isEmpty());
            IllegalStateException e = assertThrows(IllegalStateException.class, f::config);
            assertTrue(e.getMessage().contains("encoder"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"})
    void tokenizerWrapsTextInTheFamilysSpecialTokensWithoutUnknownPieces(ModelArch arch) throws IOException {
        try (ModelFolder f = ModelFolder.open(tiny(arch))) {
            int[] ids = f.tokenizer().encode("The quick brown fox, 1234 times!", true);
            List<String> tokens = f.tokenizer().tokenStrings("The quick brown fox, 1234 times!", true);
            String first = arch == ModelArch.BERT ? "[CLS]" : "<s>";
            String last = arch == ModelArch.BERT ? "[SEP]" : "</s>";
            assertEquals(first, tokens.get(0));
            assertEquals(last, tokens.get(tokens.size() - 1));
            assertFalse(tokens.contains("[UNK]") || tokens.contains("<unk>"), tokens.toString());
            assertTrue(tokens.contains(arch == ModelArch.BERT ? "quick" : "\u2581quick"), "whole words: " + tokens);
            assertTrue(f.tokenizer().isSpecial(ids[0]) && f.tokenizer().isSpecial(ids[ids.length - 1]));
            assertEquals(f.tokenizer().encode("The quick brown fox, 1234 times!", false).length + 2, ids.length);
        }
    }

    @Test
    void createdFilesAreTheSameEveryTime() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        CREATOR.create(ModelPreset.TINY.spec(ModelArch.XLM_ROBERTA), a);
        CREATOR.create(ModelPreset.TINY.spec(ModelArch.XLM_ROBERTA), b);
        for (String file : List.of("config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json",
                "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)), file);
        }
        assertEquals(ContentHash.of(a), ContentHash.of(b));
    }

    @Test
    void poolingConfigIsPartOfTheContentHash() throws IOException {
        Path m = tiny(ModelArch.BERT);
        String before = ContentHash.of(m);
        setPooling(m, "pooling_mode_mean_tokens", false);
        setPooling(m, "pooling_mode_cls_token", true);
        assertNotEquals(before, ContentHash.of(m));
    }

    @Test
    void checkpointWithTheTaskHeadsPrefixLoads() throws IOException {
        Path m = tiny(ModelArch.BERT);
        Path weights = m.resolve(WeightIndex.SINGLE);
        var src = new SafetensorsTestReader(weights);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (var e : src.tensors().entrySet()) {
            entries.add(new SafetensorsWriter.Entry("bert." + e.getKey(), TensorDtype.fromTag(e.getValue().dtype()),
                    e.getValue().shape()));
        }
        Path prefixed = dir.resolve("prefixed.safetensors");
        try (var w = SafetensorsWriter.create(prefixed, entries, Map.of("format", "pt"))) {
            for (String name : src.tensors().keySet()) {
                w.writeTensor("bert." + name, src.floats(name));
            }
        }
        Files.move(prefixed, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        editJson(m.resolve("config.json"), c -> c.putArray("architectures").add("BertForMaskedLM"));
        try (ModelFolder f = ModelFolder.open(m)) {
            assertEquals(Architecture.BERT, f.architecture());
            assertEquals("bert.encoder.layer.1.output.dense.weight", f.tensor("encoder.layer.1.output.dense.weight").name());
        }
    }

    // ---- refusals ----

    @Test
    void missingModulesJsonIsNamed() throws IOException {
        Path m = tiny(ModelArch.BERT);
        Files.delete(m.resolve("modules.json"));
        assertMentions(openFails(m), "missing modules.json");
    }

    @Test
    void missingPoolingConfigIsNamed() throws IOException {
        Path m = tiny(ModelArch.BERT);
        Files.delete(m.resolve("1_Pooling/config.json"));
        assertMentions(openFails(m), "missing 1_Pooling/config.json");
    }

    @Test
    void twoPoolingModesAreRefused() throws IOException {
        Path m = tiny(ModelArch.BERT);
        setPooling(m, "pooling_mode_max_tokens", true);
        assertMentions(openFails(m), "1_Pooling/config.json", "exactly one of", "MEAN", "MAX");
    }

    @Test
    void weightedMeanPoolingIsRefusedByKey() throws IOException {
        Path m = tiny(ModelArch.BERT);
        setPooling(m, "pooling_mode_weightedmean_tokens", true);
        assertMentions(openFails(m), "1_Pooling/config.json", "pooling_mode_weightedmean_tokens");
    }

    @Test
    void poolingDimensionMustMatchTheHiddenSize() throws IOException {
        Path m = tiny(ModelArch.BERT);
        editJson(m.resolve("1_Pooling/config.json"), c -> c.put("word_embedding_dimension", 384));
        assertMentions(openFails(m), "1_Pooling/config.json", "word_embedding_dimension", "384", "64");
    }

    @Test
    void aDenseModuleIsRefusedByName() throws IOException {
        Path m = tiny(ModelArch.XLM_ROBERTA);
        ArrayNode modules = (ArrayNode) JSON.readTree(m.resolve("modules.json").toFile());
        ((ObjectNode) modules.get(2)).put("type", "sentence_transformers.models.Dense");
        JSON.writeValue(m.resolve("modules.json").toFile(), modules);
        assertMentions(openFails(m), "modules.json", "module 2", "Dense");
    }

    @Test
    void approximateGeluIsRefused() throws IOException {
        Path m = tiny(ModelArch.BERT);
        editJson(m.resolve("config.json"), c -> c.put("hidden_act", "gelu_new"));
        assertMentions(openFails(m), "config.json", "hidden_act", "gelu_new");
    }

    @Test
    void relativePositionsAreRefused() throws IOException {
        Path m = tiny(ModelArch.BERT);
        editJson(m.resolve("config.json"), c -> c.put("position_embedding_type", "relative_key"));
        assertMentions(openFails(m), "config.json", "position_embedding_type");
    }

    @Test
    void missingLayerNormTensorIsNamed() throws IOException {
        Path m = tiny(ModelArch.XLM_ROBERTA);
        Path weights = m.resolve(WeightIndex.SINGLE);
        var src = new SafetensorsTestReader(weights);
        String dropped = "encoder.layer.0.attention.output.LayerNorm.bias";
        List<SafetensorsWriter.Entry> entries = src.tensors().entrySet().stream()
                .filter(e -> !e.getKey().equals(dropped))
                .map(e -> new SafetensorsWriter.Entry(e.getKey(), TensorDtype.F32, e.getValue().shape()))
                .toList();
        Path out = dir.resolve("fewer.safetensors");
        try (var w = SafetensorsWriter.create(out, entries, Map.of("format", "pt"))) {
            for (var e : entries) {
                w.writeTensor(e.name(), src.floats(e.name()));
            }
        }
        Files.move(out, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertMentions(openFails(m), "model.safetensors", "missing tensor " + dropped);
    }

    @Test
    void positionTableTooShortForTheOffsetIsRefused() throws IOException {
        Path m = tiny(ModelArch.XLM_ROBERTA);
        editJson(m.resolve("config.json"), c -> c.put("max_position_embeddings", 2));
        assertMentions(openFails(m), "config.json", "max_position_embeddings", "pad_token_id");
    }

    private static void setPooling(Path m, String key, boolean on) throws IOException {
        editJson(m.resolve("1_Pooling/config.json"), c -> c.put(key, on));
    }

    private static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(json);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    }

    private static ModelLoadException openFails(Path model) {
        return assertThrows(ModelLoadException.class, () -> ModelFolder.open(model).close());
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
        }
    }
}
