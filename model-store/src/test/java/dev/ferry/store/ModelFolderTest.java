package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.safetensors.SafetensorsTestReader;
import dev.ferry.store.safetensors.SafetensorsWriter;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import dev.ferry.store.safetensors.WeightIndex;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a model folder can be broken fails {@link ModelFolder#open} with a message naming the
 * file and the key or tensor at fault. Each test breaks one thing in a copy of a tiny created model.
 */
class ModelFolderTest {
    private static final ModelCreator CREATOR = new ModelCreator(new PrintStream(OutputStream.nullOutputStream()));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHARD_1 = "model-00001-of-00002.safetensors";
    private static final String SHARD_2 = "model-00002-of-00002.safetensors";
    private static final Map<ModelArch, Path> TEMPLATES = new EnumMap<>(ModelArch.class);

    @TempDir
    static Path templates;

    @TempDir
    Path dir;

    // ---- fixtures ----

    /** A fresh copy of the arch's tiny model (created once per class, copied per test: well under 1 MB). */
    private Path tiny(ModelArch arch) throws IOException {
        Path template = TEMPLATES.get(arch);
        if (template == null) {
            template = templates.resolve(arch.cliName());
            CREATOR.create(ModelPreset.TINY.spec(arch), template);
            TEMPLATES.put(arch, template);
        }
        Path copy = dir.resolve(arch.cliName());
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(template)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static void editJson(Path file, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(json);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    }

    /** Replaces a safetensors file's JSON header, keeping its data section byte for byte. */
    private static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLen = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(bytes, 8, 8 + headerLen));
        edit.accept(header);
        byte[] json = JSON.writeValueAsBytes(header);
        int dataLen = bytes.length - 8 - headerLen;
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + dataLen).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(bytes, 8 + headerLen, dataLen);
        Files.write(file, out.array());
    }

    /** Copies the named tensors of {@code src} into a new safetensors file, reshaping those in {@code reshape}. */
    private static void writeTensors(Path file, SafetensorsTestReader src, List<String> names,
                                     Map<String, long[]> reshape) throws IOException {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (String n : names) {
            var info = src.tensors().get(n);
            entries.add(new SafetensorsWriter.Entry(n, TensorDtype.fromTag(info.dtype()),
                    reshape.getOrDefault(n, info.shape())));
        }
        try (var w = SafetensorsWriter.create(file, entries, Map.of("format", "pt"))) {
            for (SafetensorsWriter.Entry e : entries) {
                if (reshape.containsKey(e.name())) {
                    w.writeTensor(e.name(), (start, dst, count) -> Arrays.fill(dst, 0, count, 0.5f));
                } else {
                    w.writeTensor(e.name(), src.floats(e.name()));
                }
            }
        }
    }

    /** Replaces model.safetensors by two shards (the first half of the tensors, then the rest) and an index. */
    private static List<String> shard(Path model) throws IOException {
        Path single = model.resolve(WeightIndex.SINGLE);
        var src = new SafetensorsTestReader(single);
        List<String> names = new ArrayList<>(src.tensors().keySet());
        List<String> first = names.subList(0, names.size() / 2);
        List<String> second = names.subList(names.size() / 2, names.size());
        writeTensors(model.resolve(SHARD_1), src, first, Map.of());
        writeTensors(model.resolve(SHARD_2), src, second, Map.of());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", Files.size(single) - src.dataStart());
        ObjectNode map = index.putObject("weight_map");
        first.forEach(n -> map.put(n, SHARD_1));
        second.forEach(n -> map.put(n, SHARD_2));
        JSON.writerWithDefaultPrettyPrinter().writeValue(model.resolve(WeightIndex.INDEX).toFile(), index);
        Files.delete(single);
        return names;
    }

    /** {@code text} as a ferry.properties on its own, outside any model folder, read. */
    private ServingConfig readServingFile(String text) throws IOException {
        Path file = dir.resolve("ferry.properties");
        Files.writeString(file, text);
        return ServingConfig.read(file);
    }

    /** Opening a tiny {@code arch} folder after {@code edit} changed its config.json fails: the failure. */
    private ModelLoadException openFailsWithConfig(ModelArch arch, Consumer<ObjectNode> edit) throws IOException {
        Path m = tiny(arch);
        editJson(m.resolve("config.json"), edit);
        return openFails(m);
    }

    private static ModelLoadException openFails(Path model) {
        return assertThrows(ModelLoadException.class, () -> ModelFolder.open(model).close());
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
        }
    }

    private static boolean gpt2(ModelArch arch) {
        return arch == ModelArch.GPT2;
    }

    /** A 2-D weight with unequal dimensions, so its transpose is a different shape of the same size. */
    private static String mlpInputWeight(ModelArch arch) {
        return gpt2(arch) ? "transformer.h.1.mlp.c_fc.weight"
                : arch == ModelArch.PHI3 ? "model.layers.1.mlp.gate_up_proj.weight" : "model.layers.1.mlp.up_proj.weight";
    }

    /** Two tensors of one shape ([hidden]) in the same file. */
    private static String[] twoNorms(ModelArch arch) {
        return gpt2(arch) ? new String[] {"transformer.h.0.ln_1.weight", "transformer.h.0.ln_2.weight"}
                : new String[] {"model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight"};
    }

    // ---- a good folder ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void tinyModelOfEachArchOpensWithEveryExpectedTensor(ModelArch arch) throws IOException {
        try (ModelFolder m = ModelFolder.open(tiny(arch))) {
            assertEquals(arch.architecture(), m.architecture());
            assertEquals(64, m.config().hiddenSize());
            assertEquals(512, m.config().vocabSize());
            for (String name : ExpectedTensors.of(m.config()).keySet()) {
                assertEquals(TensorDtype.F32, m.tensor(name).dtype(), name);
            }
            assertTrue(m.tokenizer().size() <= 512);
            assertEquals(ServingConfig.defaults(), m.serving());
            assertEquals(arch.cliName(), m.name());
        }
    }

    // ---- missing files ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void missingConfigJsonIsNamed(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        Files.delete(m.resolve("config.json"));
        assertMentions(openFails(m), arch.cliName(), "missing config.json");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void missingTokenizerJsonIsNamed(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        Files.delete(m.resolve("tokenizer.json"));
        assertMentions(openFails(m), "missing tokenizer.json");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void folderWithoutWeightsNamesBothAcceptedLayouts(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        Files.delete(m.resolve("model.safetensors"));
        assertMentions(openFails(m), "no weights", "model.safetensors", "model.safetensors.index.json");
    }

    @Test
    void pytorchBinWithoutSafetensorsSaysOnlySafetensorsIsSupported() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        Files.move(m.resolve("model.safetensors"), m.resolve("pytorch_model.bin"));
        assertMentions(openFails(m), "pytorch_model.bin was found", "only safetensors");
    }

    @Test
    void missingFolderIsNamed() {
        assertMentions(assertThrows(ModelLoadException.class, () -> ModelFolder.open(dir.resolve("nope"))),
                "nope", "does not exist");
    }

    // ---- config.json ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void invalidJsonInConfigGivesTheLineItBreaksOn(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        List<String> lines = new ArrayList<>(Files.readAllLines(m.resolve("config.json")));
        int modelType = lines.indexOf(lines.stream().filter(l -> l.contains("\"model_type\"")).findFirst().orElseThrow());
        lines.set(modelType, lines.get(modelType).replaceAll(",$", "")); // the next key now lacks its comma
        Files.write(m.resolve("config.json"), lines);
        assertMentions(openFails(m), "config.json: invalid JSON at line " + (modelType + 2));
    }

    @Test
    void configThatIsNotAnObjectIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        Files.writeString(m.resolve("config.json"), "[1, 2]");
        assertMentions(openFails(m), "config.json", "JSON object");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void unknownArchitectureIsNamedWithTheSupportedOnes(ModelArch arch) throws IOException {
        ModelLoadException e = openFailsWithConfig(arch, c -> c.putArray("architectures").add("FooForCausalLM"));
        assertMentions(e, "config.json", "FooForCausalLM", "not supported",
                "LlamaForCausalLM", "GPT2LMHeadModel");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void missingArchitecturesIsNamed(ModelArch arch) throws IOException {
        ModelLoadException e = openFailsWithConfig(arch, c -> c.remove("architectures"));
        assertMentions(e, "config.json", "missing key 'architectures'");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void missingHiddenSizeIsNamed(ModelArch arch) throws IOException {
        String key = gpt2(arch) ? "n_embd" : "hidden_size";
        ModelLoadException e = openFailsWithConfig(arch, c -> c.remove(key));
        assertMentions(e, "config.json", "missing key '" + key + "'");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void nonPositiveSizeIsRefusedWithItsValue(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        String key = gpt2(arch) ? "n_layer" : "num_hidden_layers";
        editJson(m.resolve("config.json"), c -> c.put(key, 0));
        assertMentions(openFails(m), "config.json", "key '" + key + "' must be a positive integer, got 0");
        editJson(m.resolve("config.json"), c -> c.put(key, 2).put("vocab_size", -512));
        assertMentions(openFails(m), "config.json", "key 'vocab_size' must be a positive integer, got -512");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"LLAMA", "MISTRAL", "QWEN2"})
    void queryHeadsNotAMultipleOfKvHeadsIsRefused(ModelArch arch) throws IOException {
        ModelLoadException e = openFailsWithConfig(arch, c -> c.put("num_key_value_heads", 3));
        assertMentions(e, "config.json", "num_attention_heads 4 is not a multiple of num_key_value_heads 3");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"LLAMA", "MISTRAL", "QWEN2"})
    void yarnRopeScalingIsRefused(ModelArch arch) throws IOException {
        ModelLoadException e = openFailsWithConfig(arch, c -> c.putObject("rope_scaling").put("rope_type", "yarn")
                .put("factor", 4.0).put("original_max_position_embeddings", 256));
        assertMentions(e, "config.json", "rope_scaling.rope_type 'yarn' is not supported");
    }

    @Test
    void llama3RopeScalingWithoutItsFactorsNamesTheMissingKey() throws IOException {
        ModelLoadException e = openFailsWithConfig(ModelArch.LLAMA,
                c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0));
        assertMentions(e, "config.json", "rope_scaling.low_freq_factor");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void unsupportedActivationIsNamed(ModelArch arch) throws IOException {
        String key = gpt2(arch) ? "activation_function" : arch == ModelArch.GEMMA3 ? "hidden_activation" : "hidden_act";
        ModelLoadException e = openFailsWithConfig(arch, c -> c.put(key, "relu"));
        assertMentions(e, "config.json", key + " 'relu' is not supported");
    }

    // ---- weights ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void tensorMissingFromWeightsIsNamed(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        String name = twoNorms(arch)[1];
        editHeader(m.resolve("model.safetensors"), h -> h.remove(name));
        assertMentions(openFails(m), "model.safetensors: missing tensor " + name);
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void shapeMismatchNamesTensorAndBothShapes(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        String name = mlpInputWeight(arch);
        long[] shape = new SafetensorsTestReader(m.resolve("model.safetensors")).tensors().get(name).shape();
        long[] transposed = {shape[1], shape[0]}; // same byte size, so only the shape check can catch it
        editHeader(m.resolve("model.safetensors"), h -> {
            ArrayNode s = ((ObjectNode) h.get(name)).putArray("shape");
            s.add(transposed[0]).add(transposed[1]);
        });
        assertMentions(openFails(m), "model.safetensors: tensor " + name + " has shape " + Arrays.toString(transposed)
                + ", config.json implies " + Arrays.toString(shape));
    }

    @Test
    void mixtureOfExpertsAndVisionTowersAreRefusedByTheirKey() throws IOException {
        assertMentions(openFailsWithConfig(ModelArch.QWEN3, c -> c.put("num_experts", 128)),
                "config.json", "key 'num_experts' (128): mixture-of-experts models are not supported");
        assertMentions(openFailsWithConfig(ModelArch.GEMMA3, c -> c.putObject("vision_config").put("hidden_size", 8)),
                "config.json", "key 'vision_config': multimodal models are not supported");
        assertMentions(openFailsWithConfig(ModelArch.LLAMA, c -> c.putObject("rope_scaling").put("type", "dynamic")),
                "config.json", "rope_scaling.rope_type 'dynamic' is not supported");
        assertMentions(openFailsWithConfig(ModelArch.PHI3, c -> ((ObjectNode) c.get("rope_scaling")).putArray("long_factor")),
                "config.json", "'rope_scaling.long_factor' must list 8 factors (rotary dim / 2)");
    }

    @Test
    void embeddingSizedForAnotherVocabNamesBothShapes() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        Path file = m.resolve("model.safetensors");
        var src = new SafetensorsTestReader(file);
        Path rewritten = m.resolve("rewritten.tmp");
        writeTensors(rewritten, src, new ArrayList<>(src.tensors().keySet()),
                Map.of("model.embed_tokens.weight", new long[] {500, 64}));
        Files.move(rewritten, file, StandardCopyOption.REPLACE_EXISTING);
        assertMentions(openFails(m), "model.safetensors: tensor model.embed_tokens.weight has shape [500, 64], "
                + "config.json implies [512, 64]");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void integerWeightIsRefusedWithItsDtype(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        String name = mlpInputWeight(arch);
        // I32 is as wide as F32, so the header stays consistent and only the float check can refuse it
        editHeader(m.resolve("model.safetensors"), h -> ((ObjectNode) h.get(name)).put("dtype", "I32"));
        assertMentions(openFails(m), "model.safetensors: tensor " + name + " has dtype I32", "expected F32, F16 or BF16");
    }

    @Test
    void int64WeightIsRefusedWithItsDtype() throws IOException {
        Path m = tiny(ModelArch.QWEN2);
        String name = "model.norm.weight";
        var info = new SafetensorsTestReader(m.resolve("model.safetensors")).tensors().get(name);
        // [32] of I64 spans the 256 bytes of [64] F32
        editHeader(m.resolve("model.safetensors"), h -> {
            ObjectNode t = (ObjectNode) h.get(name);
            t.put("dtype", "I64");
            t.putArray("shape").add(info.shape()[0] / 2);
        });
        assertMentions(openFails(m), "model.safetensors: tensor " + name + " has dtype I64");
    }

    @Test
    void dtypeTagFerryCannotReadIsRefused() throws IOException {
        Path m = tiny(ModelArch.MISTRAL);
        editHeader(m.resolve("model.safetensors"), h -> ((ObjectNode) h.get("model.norm.weight")).put("dtype", "F8_E4M3"));
        assertMentions(openFails(m), "model.safetensors: tensor model.norm.weight has dtype F8_E4M3", "not supported");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void truncatedWeightsFileSaysTruncatedAndNamesTheCutTensor(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        Path file = m.resolve("model.safetensors");
        var src = new SafetensorsTestReader(file);
        String last = src.tensors().entrySet().stream()
                .max((a, b) -> Long.compare(a.getValue().end(), b.getValue().end())).orElseThrow().getKey();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 100));
        assertMentions(openFails(m), "model.safetensors: truncated", "tensor " + last);
    }

    @Test
    void fileCutInsideTheHeaderSaysTruncated() throws IOException {
        Path m = tiny(ModelArch.GPT2);
        Path file = m.resolve("model.safetensors");
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 100));
        assertMentions(openFails(m), "model.safetensors: truncated", "the file has 100");
        Files.write(file, new byte[5]);
        assertMentions(openFails(m), "model.safetensors: truncated", "5 bytes");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void corruptHeaderLengthIsRefused(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        Path file = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(file, bytes);
        assertMentions(openFails(m), "model.safetensors: not a safetensors file", "header length field is " + (1L << 40));
    }

    @Test
    void headerThatIsNotJsonIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        Path file = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = '#';
        Files.write(file, bytes);
        assertMentions(openFails(m), "model.safetensors: header is not valid JSON");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void overlappingDataOffsetsNameBothTensors(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        String[] norms = twoNorms(arch);
        editHeader(m.resolve("model.safetensors"), h -> {
            long begin = h.get(norms[0]).get("data_offsets").get(0).asLong();
            long end = h.get(norms[0]).get("data_offsets").get(1).asLong();
            ((ObjectNode) h.get(norms[1])).putArray("data_offsets").add(begin + 4).add(end + 4);
        });
        assertMentions(openFails(m), "model.safetensors: tensors", norms[0], norms[1], "overlap");
    }

    @Test
    void dataOffsetsThatDisagreeWithShapeAreRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        editHeader(m.resolve("model.safetensors"), h -> ((ObjectNode) h.get("model.norm.weight")).putArray("shape").add(65));
        assertMentions(openFails(m), "model.safetensors: tensor model.norm.weight", "span 256 bytes", "needs 260");
    }

    // ---- sharded checkpoints ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void twoShardCheckpointOpensWithEveryTensorFromItsShard(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        var original = new SafetensorsTestReader(m.resolve("model.safetensors"));
        List<String> names = shard(m);
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(names, new ArrayList<>(folder.weights().tensors().keySet()));
            for (int i = 0; i < names.size(); i++) {
                TensorInfo t = folder.weights().get(names.get(i));
                assertEquals(i < names.size() / 2 ? SHARD_1 : SHARD_2, t.fileName(), t.name());
                byte[] stored = new byte[(int) t.byteLength()];
                WeightIndex.map(t).get(stored);
                assertArrayEquals(original.bytes(t.name()), stored, t.name());
            }
        }
    }

    @Test
    void indexNamingAMissingShardNamesTheShard() throws IOException {
        Path m = tiny(ModelArch.MISTRAL);
        shard(m);
        Files.delete(m.resolve(SHARD_2));
        assertMentions(openFails(m), "model.safetensors.index.json", "weight_map names " + SHARD_2, "missing");
    }

    @Test
    void indexMappingATensorToAShardThatLacksItNamesTheTensor() throws IOException {
        Path m = tiny(ModelArch.QWEN2);
        List<String> names = shard(m);
        String moved = names.get(0); // written to shard 1
        editJson(m.resolve(WeightIndex.INDEX), i -> ((ObjectNode) i.get("weight_map")).put(moved, SHARD_2));
        assertMentions(openFails(m), SHARD_2 + ": tensor " + moved + " is listed in model.safetensors.index.json "
                + "but missing from the file");
    }

    @Test
    void tensorLeftOutOfTheWeightMapIsReportedMissing() throws IOException {
        // the message names a shard rather than the index whose weight_map lacks the tensor; pin only the tensor
        Path m = tiny(ModelArch.LLAMA);
        shard(m);
        editJson(m.resolve(WeightIndex.INDEX), i -> ((ObjectNode) i.get("weight_map")).remove("lm_head.weight"));
        assertMentions(openFails(m), "missing tensor lm_head.weight");
    }

    @Test
    void indexWithoutWeightMapIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        shard(m);
        editJson(m.resolve(WeightIndex.INDEX), i -> i.remove("weight_map"));
        assertMentions(openFails(m), "model.safetensors.index.json", "'weight_map'");
    }

    @Test
    void indexNamingAShardOutsideTheFolderIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        shard(m);
        Files.copy(m.resolve(SHARD_2), dir.resolve(SHARD_2));
        editJson(m.resolve(WeightIndex.INDEX), i -> ((ObjectNode) i.get("weight_map"))
                .put("lm_head.weight", "../" + SHARD_2));
        assertMentions(openFails(m), "model.safetensors.index.json", "../" + SHARD_2, "missing");
    }

    // ---- tokenizer.json ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void tokenizerTheLibraryRejectsIsNamed(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        // a merge of a token the vocabulary lacks: valid JSON that the BPE model cannot be built from
        editJson(m.resolve("tokenizer.json"), t -> ((ArrayNode) t.get("model").get("merges")).insert(0, "qqqq zzzz"));
        assertMentions(openFails(m), "tokenizer.json", "the tokenizers library rejected it", "qqqq");
    }

    @Test
    void tokenizerWithoutVocabularyIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        editJson(m.resolve("tokenizer.json"), t -> {
            ((ObjectNode) t.get("model")).remove("vocab");
            t.remove("added_tokens");
        });
        assertMentions(openFails(m), "tokenizer.json", "no vocabulary");
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void tokenizerWithMoreIdsThanVocabSizeIsRefused(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        editJson(m.resolve("tokenizer.json"), t -> ((ArrayNode) t.get("added_tokens")).addObject()
                .put("id", 600).put("content", "<|extra_600|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true));
        assertMentions(openFails(m), "tokenizer.json: has 601 tokens but config.json vocab_size is 512");
    }

    // ---- ferry.properties ----

    @Test
    void unknownServingKeyIsNamed() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        Files.writeString(m.resolve("ferry.properties"), "tier=small\nmax_model_len=4096\n");
        assertMentions(openFails(m), "ferry.properties", "key 'max_model_len'", "unknown key", "max-model-len");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "dtype           | int8",
            "device          | tpu0",
            "kv-cache-share  | 0",
            "kv-cache-share  | 1.5",
            "kv-cache-share  | half",
            "replicas        | 0",
            "tier            | huge",
            "kv-cache-memory | lots",
            "kv-cache-memory | 1.5",
            "max-model-len   | 0",
            "max-model-len   | 4k",
            "block-size      | -16"})
    void badServingValueNamesKeyAndValue(String key, String value) throws IOException {
        Path m = tiny(ModelArch.GPT2);
        Files.writeString(m.resolve("ferry.properties"), key + "=" + value + "\n");
        assertMentions(openFails(m), "ferry.properties", "key '" + key + "'", value);
    }

    @Test
    void validServingFileIsParsed() throws IOException {
        Path m = tiny(ModelArch.QWEN2);
        Files.writeString(m.resolve("ferry.properties"), """
                # serve the tiny model under several names
                aliases = tiny, default ,, qwen-tiny
                tier = Large
                dtype = bfloat16
                device = GPU0
                kv-cache-memory = 512MiB
                max-model-len = 128
                max-num-seqs = 8
                max-num-batched-tokens = 256
                block-size = 16
                """);
        try (ModelFolder folder = ModelFolder.open(m)) {
            ServingConfig s = folder.serving();
            assertEquals(List.of("tiny", "default", "qwen-tiny"), s.aliases());
            assertEquals(ServingConfig.Tier.LARGE, s.tier());
            assertEquals(TensorDtype.BF16, s.dtype());
            assertEquals(List.of("gpu0"), s.devices());
            assertEquals(512L << 20, s.kvCacheMemory().bytes());
            assertEquals(128, s.maxModelLen());
            assertEquals(8, s.maxNumSeqs());
            assertEquals(256, s.maxNumBatchedTokens());
            assertEquals(16, s.blockSize());
        }
    }

    @Test
    void servingFileMayGiveKvCacheAsAFractionAndLeaveTheRestUnset() throws IOException {
        ServingConfig s = readServingFile("kv-cache-memory=0.9\ntier=small\n");
        assertTrue(s.kvCacheMemory().isFraction());
        assertEquals(0.9, s.kvCacheMemory().fraction());
        assertEquals(ServingConfig.Tier.SMALL, s.tier());
        assertEquals(List.of(), s.aliases());
        assertNull(s.dtype());
        assertNull(s.maxModelLen());
    }

    @Test
    void servingFilePlacesReplicasOnDevicesWithAShareOfTheirKvBudget() throws IOException {
        ServingConfig s = readServingFile("device = gpu0, GPU(1),cuda:0\nreplicas = 2\nkv-cache-share = 0.25\n");
        assertEquals(List.of("gpu0", "gpu1"), s.devices());
        assertEquals(2, s.replicas());
        assertEquals(0.25, s.kvCacheShare());
    }

    @Test
    void aKvShareAndAnOwnKvBudgetExcludeEachOther() throws IOException {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> readServingFile("kv-cache-memory = 1GiB\nkv-cache-share = 0.5\n"));
        assertMentions(e, "ferry.properties", "key 'kv-cache-share'", "kv-cache-memory");
    }

    // ---- end of sequence ----

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void generationConfigEosMayBeAListOrOneId(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        editJson(m.resolve("generation_config.json"), g -> g.putArray("eos_token_id").add(7).add(9).add(7));
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(List.of(7, 9, 7), folder.generation().eosTokenIds());
            assertEquals(List.of(7, 9), folder.eosTokenIds()); // deduplicated, in order
        }
        editJson(m.resolve("generation_config.json"), g -> g.put("eos_token_id", 9));
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(List.of(9), folder.generation().eosTokenIds());
            assertEquals(List.of(9), folder.eosTokenIds());
        }
    }

    @Test
    void eosTokenIdsPreferGenerationConfigOverConfigJson() throws IOException {
        Path m = tiny(ModelArch.QWEN2); // config.json eos 509, generation_config.json [511, 509]
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(List.of(509), folder.config().eosTokenIds());
            assertEquals(List.of(511, 509), folder.eosTokenIds());
        }
        editJson(m.resolve("generation_config.json"), g -> g.remove("eos_token_id"));
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(List.of(509), folder.eosTokenIds());
        }
        Files.delete(m.resolve("generation_config.json"));
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(List.of(509), folder.eosTokenIds());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void eosOutsideVocabularyIsRefused(ModelArch arch) throws IOException {
        Path m = tiny(arch);
        editJson(m.resolve("generation_config.json"), g -> g.putArray("eos_token_id").add(3).add(9999));
        assertMentions(openFails(m), "generation_config.json", "eos_token_id 9999 is outside the vocabulary (vocab_size 512)");
        Files.delete(m.resolve("generation_config.json"));
        editJson(m.resolve("config.json"), c -> c.put("eos_token_id", 512));
        assertMentions(openFails(m), "config.json", "eos_token_id 512 is outside the vocabulary");
    }

    @Test
    void eosThatIsNotAnIdIsRefused() throws IOException {
        Path m = tiny(ModelArch.LLAMA);
        editJson(m.resolve("generation_config.json"), g -> g.put("eos_token_id", "</s>"));
        assertMentions(openFails(m), "generation_config.json", "key 'eos_token_id'", "</s>");
    }

    // ---- half precision ----

    static Stream<Arguments> halfPrecisionCheckpoints() {
        return Stream.of(ModelArch.decoders()).flatMap(a -> Stream.of(Arguments.of(a, TensorDtype.F16),
                Arguments.of(a, TensorDtype.BF16)));
    }

    @ParameterizedTest
    @MethodSource("halfPrecisionCheckpoints")
    void halfPrecisionCheckpointOpens(ModelArch arch, TensorDtype dtype) throws IOException {
        Path m = dir.resolve(arch.cliName() + "-" + dtype);
        CREATOR.create(ModelPreset.TINY.spec(arch).withDtype(dtype), m);
        try (ModelFolder folder = ModelFolder.open(m)) {
            assertEquals(dtype, folder.config().torchDtype());
            assertEquals(ExpectedTensors.of(folder.config()).size(), folder.weights().tensors().size());
            for (String name : ExpectedTensors.of(folder.config()).keySet()) {
                assertEquals(dtype, folder.tensor(name).dtype(), name);
            }
        }
    }
}
