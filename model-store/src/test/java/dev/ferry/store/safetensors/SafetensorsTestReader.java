package dev.ferry.store.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately independent safetensors parser for tests: reads the whole file, checks the
 * format's invariants (8-byte aligned data, contiguous offsets that cover the buffer, sizes that
 * match dtype × shape) and decodes float tensors.
 */
public final class SafetensorsTestReader {
    public record Info(String dtype, long[] shape, long begin, long end) {
    }

    private final ByteBuffer file;
    private final long dataStart;
    private final Map<String, Info> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final String headerText;

    public SafetensorsTestReader(Path path) throws IOException {
        file = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        long n = file.getLong(0);
        if (n <= 0 || 8 + n > file.capacity()) {
            throw new IllegalStateException("bad header length " + n);
        }
        headerText = new String(file.array(), 8, (int) n, StandardCharsets.UTF_8);
        dataStart = 8 + n;
        JsonNode header = new ObjectMapper().readTree(headerText);
        var fields = header.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            if (f.getKey().equals("__metadata__")) {
                f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode v = f.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.get("shape").get(i).asLong();
            }
            tensors.put(f.getKey(), new Info(v.get("dtype").asText(), shape,
                    v.get("data_offsets").get(0).asLong(), v.get("data_offsets").get(1).asLong()));
        }
        validate();
    }

    private void validate() {
        if (dataStart % 8 != 0) {
            throw new IllegalStateException("data buffer starts at " + dataStart + ", not 8-byte aligned");
        }
        List<Map.Entry<String, Info>> spans = new ArrayList<>(tensors.entrySet());
        spans.sort(Comparator.comparingLong(e -> e.getValue().begin()));
        long expected = 0;
        for (var e : spans) {
            Info info = e.getValue();
            long bytes = TensorDtype.fromTag(info.dtype()).bytes() * Arrays.stream(info.shape()).reduce(1, (a, b) -> a * b);
            if (info.begin() != expected || info.end() - info.begin() != bytes) {
                throw new IllegalStateException("bad data_offsets for " + e.getKey());
            }
            expected = info.end();
        }
        if (dataStart + expected != file.capacity()) {
            throw new IllegalStateException("data buffer is " + (file.capacity() - dataStart) + " bytes, header covers "
                    + expected);
        }
    }

    public Map<String, Info> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public String headerText() {
        return headerText;
    }

    public long dataStart() {
        return dataStart;
    }

    /** A float tensor's values as float32 (F16 and BF16 widened exactly). */
    public float[] floats(String name) {
        Info info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        TensorDtype dtype = TensorDtype.fromTag(info.dtype());
        int n = (int) ((info.end() - info.begin()) / dtype.bytes());
        float[] out = new float[n];
        int base = (int) (dataStart + info.begin());
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case F32 -> file.getFloat(base + 4 * i);
                case F16 -> HalfFloats.halfToFloat(file.getShort(base + 2 * i));
                case BF16 -> HalfFloats.bf16ToFloat(file.getShort(base + 2 * i));
                default -> throw new IllegalArgumentException(name + " is " + dtype);
            };
        }
        return out;
    }

    /** A tensor's raw bytes. */
    public byte[] bytes(String name) {
        Info info = tensors.get(name);
        return Arrays.copyOfRange(file.array(), (int) (dataStart + info.begin()), (int) (dataStart + info.end()));
    }
}
