package dev.ferry.store.create;

import dev.ferry.store.PythonJson;
import dev.ferry.store.config.PoolingMode;
import dev.ferry.store.config.SentenceModules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The sentence-transformers files of a created encoder, as sentence-transformers 3 saves them:
 * {@code modules.json} (Transformer, Pooling, Normalize), {@code 1_Pooling/config.json},
 * an empty {@code 2_Normalize/} and {@code sentence_bert_config.json}. BERT pools the mean
 * (all-MiniLM's way), XLM-RoBERTa the first token (BGE-M3's), so tests meet both.
 */
final class SentenceFiles {
    private SentenceFiles() {
    }

    static PoolingMode pooling(ModelArch arch) {
        return arch == ModelArch.BERT ? PoolingMode.MEAN : PoolingMode.CLS;
    }

    static void write(ModelSpec spec, Path dir) throws IOException {
        write(dir.resolve(SentenceModules.MODULES_FILE),
                PythonJson.write(SentenceModules.normalizedPoolingModules(), false));
        Map<String, Object> pooling = new HashMap<>();
        pooling.put("word_embedding_dimension", spec.hidden());
        for (PoolingMode mode : PoolingMode.values()) {
            pooling.put(mode.key(), mode == pooling(spec.arch()));
        }
        pooling.put("pooling_mode_weightedmean_tokens", false);
        pooling.put("pooling_mode_mean_sqrt_len_tokens", false);
        pooling.put("include_prompt", true);
        Files.createDirectories(dir.resolve("1_Pooling"));
        write(dir.resolve("1_Pooling/config.json"), PythonJson.write(pooling, true));
        Files.createDirectories(dir.resolve("2_Normalize"));
        write(dir.resolve(SentenceModules.SETTINGS_FILE), PythonJson.write(
                Map.of("max_seq_length", spec.maxPosition(), "do_lower_case", false), true));
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
