package dev.ferry.store.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What sentence-transformers does after the encoder, read from its files: {@code modules.json}
 * (Transformer, then Pooling, then optionally Normalize), the pooling mode from
 * {@code <pooling path>/config.json}, and the longest input from {@code sentence_bert_config.json}.
 * Modules Ferry would not run (Dense, weighted-mean pooling, ...) are refused by name, since
 * skipping one would silently change every vector.
 *
 * @param maxSeqLength the longest input sentence-transformers feeds the model; null when unset
 */
public record SentenceModules(PoolingMode pooling, boolean normalize, Integer maxSeqLength) {
    public static final String MODULES_FILE = "modules.json";
    public static final String SETTINGS_FILE = "sentence_bert_config.json";
    private static final String TYPE_PREFIX = "sentence_transformers.models.";
    private static final List<String> UNSUPPORTED_MODES = List.of(
            "pooling_mode_weightedmean_tokens", "pooling_mode_mean_sqrt_len_tokens");

    /**
     * The entries of a {@code modules.json} for the usual pipeline, as sentence-transformers writes them:
     * the Transformer, then Pooling ({@code 1_Pooling}), then Normalize ({@code 2_Normalize}).
     */
    public static List<Map<String, Object>> normalizedPoolingModules() {
        return List.of(module(0, "", "Transformer"), module(1, "1_Pooling", "Pooling"),
                module(2, "2_Normalize", "Normalize"));
    }

    private static Map<String, Object> module(int idx, String path, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("idx", idx);
        m.put("name", String.valueOf(idx));
        m.put("path", path);
        m.put("type", TYPE_PREFIX + type);
        return m;
    }

    /** Reads the folder's sentence-transformers files; {@code hiddenSize} checks the pooling's dimension. */
    public static SentenceModules read(Path dir, int hiddenSize) {
        Path modulesFile = dir.resolve(MODULES_FILE);
        if (!Files.isRegularFile(modulesFile)) {
            throw new ModelLoadException(dir.getFileName() + ": missing " + MODULES_FILE
                    + " (an encoder folder says how to pool its token vectors in sentence-transformers' files)");
        }
        ArrayNode modules = JsonFiles.readArray(modulesFile, MODULES_FILE);
        List<String> types = new ArrayList<>();
        PoolingMode pooling = null;
        boolean normalize = false;
        for (int i = 0; i < modules.size(); i++) {
            JsonNode m = modules.get(i);
            String type = m.path("type").asText("");
            String where = MODULES_FILE + ": module " + i;
            if (!type.startsWith(TYPE_PREFIX)) {
                throw new ModelLoadException(where + ": key 'type' must name a sentence_transformers.models class, got "
                        + m.get("type"));
            }
            String name = type.substring(TYPE_PREFIX.length());
            types.add(name);
            String expected = i == 0 ? "Transformer" : pooling == null ? "Pooling" : normalize ? null : "Normalize";
            if (!name.equals(expected)) {
                throw new ModelLoadException(where + ": type " + name + " is not supported here (Ferry runs "
                        + "Transformer, Pooling and optionally Normalize, in that order; this file lists " + types + ")");
            }
            switch (name) {
                case "Pooling" -> pooling = poolingMode(dir, m.path("path").asText(""), hiddenSize, where);
                case "Normalize" -> normalize = true;
                default -> { }
            }
        }
        if (pooling == null) {
            throw new ModelLoadException(MODULES_FILE + ": no Pooling module (modules " + types + ")");
        }
        return new SentenceModules(pooling, normalize, maxSeqLength(dir));
    }

    private static PoolingMode poolingMode(Path dir, String path, int hiddenSize, String where) {
        if (path.isEmpty()) {
            throw new ModelLoadException(where + ": missing key 'path' of the Pooling module");
        }
        String name = path + "/config.json";
        Path file = dir.resolve(path).resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(dir.getFileName() + ": missing " + name + " (named by " + MODULES_FILE + ")");
        }
        ObjectNode json = JsonFiles.readObject(file, name);
        for (String key : UNSUPPORTED_MODES) {
            if (json.path(key).asBoolean(false)) {
                throw new ModelLoadException(name + ": key '" + key + "' true is not supported (expected cls_token, "
                        + "mean_tokens, max_tokens or lasttoken)");
            }
        }
        List<PoolingMode> on = new ArrayList<>();
        for (PoolingMode mode : PoolingMode.values()) {
            JsonNode v = json.get(mode.key());
            if (v != null && !v.isBoolean()) {
                throw new ModelLoadException(name + ": key '" + mode.key() + "' must be true or false, got " + v);
            }
            if (v != null && v.asBoolean()) {
                on.add(mode);
            }
        }
        if (on.size() != 1) {
            throw new ModelLoadException(name + ": exactly one of pooling_mode_cls_token, pooling_mode_mean_tokens, "
                    + "pooling_mode_max_tokens and pooling_mode_lasttoken must be true, got " + on.size()
                    + (on.isEmpty() ? "" : " " + on));
        }
        JsonNode dim = json.get("word_embedding_dimension");
        if (dim != null && dim.asInt() != hiddenSize) {
            throw new ModelLoadException(name + ": key 'word_embedding_dimension' is " + dim
                    + " but config.json hidden_size is " + hiddenSize);
        }
        return on.get(0);
    }

    private static Integer maxSeqLength(Path dir) {
        Path file = dir.resolve(SETTINGS_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode v = JsonFiles.readObject(file).get("max_seq_length");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || v.asInt() <= 0) {
            throw new ModelLoadException(SETTINGS_FILE + ": key 'max_seq_length' must be a positive integer, got " + v);
        }
        return v.asInt();
    }
}
