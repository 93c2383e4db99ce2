package dev.ferry.store.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the JSON files of a model folder, turning parse errors into messages that name the file. */
public final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFiles() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Reads a JSON object; the error names the file and the line where the JSON breaks. */
    public static ObjectNode readObject(Path file) {
        return readObject(file, file.getFileName().toString());
    }

    /** Like {@link #readObject(Path)}, naming the file {@code name} in errors (a path inside the model folder). */
    public static ObjectNode readObject(Path file, String name) {
        JsonNode node = read(file, name);
        if (node == null || !node.isObject()) {
            throw new ModelLoadException(name + ": expected a JSON object at the top level");
        }
        return (ObjectNode) node;
    }

    /** Reads a JSON array (sentence-transformers' modules.json). */
    public static ArrayNode readArray(Path file, String name) {
        JsonNode node = read(file, name);
        if (node == null || !node.isArray()) {
            throw new ModelLoadException(name + ": expected a JSON array at the top level");
        }
        return (ArrayNode) node;
    }

    private static JsonNode read(Path file, String name) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ModelLoadException(name + ": invalid JSON" + (loc == null ? "" : " at line " + loc.getLineNr()
                    + ", column " + loc.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelLoadException(name + ": cannot be read: " + e.getMessage(), e);
        }
    }

    public static boolean exists(Path file) {
        return Files.isRegularFile(file);
    }
}
