package dev.ferry.store.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelLoadException;
import java.util.List;

/**
 * The model's own generation defaults from {@code generation_config.json}; absent values are null.
 * Its eos ids take precedence over config.json's, as in transformers' {@code generate}.
 */
public record GenerationConfig(List<Integer> eosTokenIds, Integer bosTokenId, Integer padTokenId,
                               Double temperature, Double topP, Integer topK, Integer maxNewTokens) {
    private static final String FILE = "generation_config.json";

    public static GenerationConfig empty() {
        return new GenerationConfig(List.of(), null, null, null, null, null, null);
    }

    public static GenerationConfig parse(ObjectNode json) {
        return new GenerationConfig(HfConfigParser.readIdList(json, FILE, "eos_token_id"),
                optionalInt(json, "bos_token_id"), optionalInt(json, "pad_token_id"),
                optionalDouble(json, "temperature"), optionalDouble(json, "top_p"),
                optionalInt(json, "top_k"), optionalInt(json, "max_new_tokens"));
    }

    private static Integer optionalInt(ObjectNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw new ModelLoadException(FILE + ": key '" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static Double optionalDouble(ObjectNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new ModelLoadException(FILE + ": key '" + key + "' must be a number, got " + v);
        }
        return v.asDouble();
    }
}
