package dev.ferry.store.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelLoadException;
import dev.ferry.store.config.JsonFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * All tensors of a model folder, from {@code model.safetensors} or from the shards listed in
 * {@code model.safetensors.index.json}, with their bytes read through memory maps.
 */
public final class WeightIndex {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Map<String, TensorInfo> tensors;
    /** The file that lists the tensors: model.safetensors, or the index of a sharded checkpoint. */
    private final String listingFile;

    private WeightIndex(Map<String, TensorInfo> tensors, String listingFile) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.listingFile = listingFile;
    }

    public static WeightIndex open(Path folder) {
        Path single = folder.resolve(SINGLE);
        Path index = folder.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            return new WeightIndex(SafetensorsHeader.read(single), SINGLE);
        }
        if (Files.isRegularFile(index)) {
            return sharded(folder, JsonFiles.readObject(index));
        }
        String hint = Files.exists(folder.resolve("pytorch_model.bin"))
                ? " (pytorch_model.bin was found: only safetensors weights are supported)" : "";
        throw new ModelLoadException(folder.getFileName() + ": no weights: expected " + SINGLE + " or " + INDEX + hint);
    }

    private static WeightIndex sharded(Path folder, ObjectNode index) {
        JsonNode map = index.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelLoadException(INDEX + ": missing or empty 'weight_map'");
        }
        Map<String, Map<String, TensorInfo>> shards = new LinkedHashMap<>();
        for (String shard : new TreeSet<>(iterable(map.elements()))) {
            Path file = folder.resolve(shard).normalize();
            if (!file.startsWith(folder.normalize()) || !Files.isRegularFile(file)) {
                throw new ModelLoadException(INDEX + ": weight_map names " + shard + ", which is missing");
            }
            shards.put(shard, SafetensorsHeader.read(file));
        }
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TensorInfo t = shards.get(e.getValue().asText()).get(e.getKey());
            if (t == null) {
                throw new ModelLoadException(e.getValue().asText() + ": tensor " + e.getKey()
                        + " is listed in " + INDEX + " but missing from the file");
            }
            all.put(e.getKey(), t);
        }
        return new WeightIndex(all, INDEX);
    }

    private static TreeSet<String> iterable(Iterator<JsonNode> it) {
        TreeSet<String> out = new TreeSet<>();
        it.forEachRemaining(n -> out.add(n.asText()));
        return out;
    }

    /** Where a missing tensor should have been listed. */
    public String listingFile() {
        return listingFile;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo get(String name) {
        return tensors.get(name);
    }

    /** The tensor's stored bytes, little-endian, memory-mapped (no copy). */
    public static ByteBuffer map(TensorInfo t) {
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, t.fileOffset(), t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelLoadException(t.fileName() + ": cannot read tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }

    public long totalBytes() {
        return tensors.values().stream().mapToLong(TensorInfo::byteLength).sum();
    }

    public long totalParameters() {
        return tensors.values().stream().mapToLong(TensorInfo::numel).sum();
    }
}
