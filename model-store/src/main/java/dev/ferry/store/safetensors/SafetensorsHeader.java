package dev.ferry.store.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.store.ModelLoadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the header of one safetensors file: an 8-byte little-endian length, a JSON
 * table of tensors, then the data section. Every inconsistency (truncation, overlapping or
 * mis-sized tensors, unsupported dtypes) is reported with the file and tensor name.
 */
public final class SafetensorsHeader {
    /** The format caps headers at 100 MB; anything larger is a corrupt length field. */
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SafetensorsHeader() {}

    public static Map<String, TensorInfo> read(Path file) {
        String name = file.getFileName().toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelLoadException(name + ": truncated: " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelLoadException(name + ": not a safetensors file (header length field is " + headerLen + ")");
            }
            if (8 + headerLen > size) {
                throw new ModelLoadException(name + ": truncated: header needs " + (8 + headerLen)
                        + " bytes but the file has " + size);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode json;
            try {
                json = MAPPER.readTree(header.array());
            } catch (IOException e) {
                throw new ModelLoadException(name + ": header is not valid JSON: " + e.getMessage());
            }
            if (json == null || !json.isObject()) {
                throw new ModelLoadException(name + ": header is not a JSON object");
            }
            return parseEntries(file, json, 8 + headerLen, size - 8 - headerLen);
        } catch (IOException e) {
            throw new ModelLoadException(name + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static Map<String, TensorInfo> parseEntries(Path file, JsonNode json, long dataStart, long dataLen) {
        String name = file.getFileName().toString();
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            String tensor = e.getKey();
            JsonNode entry = e.getValue();
            String prefix = name + ": tensor " + tensor;
            String tag = entry.path("dtype").asText(null);
            TensorDtype dtype = tag == null ? null : TensorDtype.fromTag(tag);
            if (dtype == null) {
                throw new ModelLoadException(prefix + " has dtype " + tag + ", which is not supported (F32, F16, BF16, F64, I64, I32)");
            }
            JsonNode shapeNode = entry.get("shape");
            JsonNode offsets = entry.get("data_offsets");
            if (shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
                throw new ModelLoadException(prefix + ": header entry needs 'shape' and two 'data_offsets'");
            }
            long[] shape = new long[shapeNode.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw new ModelLoadException(prefix + ": invalid shape " + shapeNode);
                }
                numel *= shape[i];
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin) {
                throw new ModelLoadException(prefix + ": invalid data_offsets " + offsets);
            }
            if (end - begin != numel * dtype.bytes()) {
                throw new ModelLoadException(prefix + ": data_offsets span " + (end - begin) + " bytes but shape "
                        + shapeNode + " of " + tag + " needs " + numel * dtype.bytes());
            }
            if (end > dataLen) {
                throw new ModelLoadException(name + ": truncated: tensor " + tensor + " ends at byte " + end
                        + " of the data section but the file holds only " + dataLen + " data bytes");
            }
            out.put(tensor, new TensorInfo(tensor, dtype, shape, file, dataStart + begin, end - begin));
        }
        checkNoOverlap(name, out);
        return out;
    }

    private static void checkNoOverlap(String name, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::fileOffset));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            if (prev.fileOffset() + prev.byteLength() > sorted.get(i).fileOffset()) {
                throw new ModelLoadException(name + ": tensors " + prev.name() + " and " + sorted.get(i).name()
                        + " overlap in the data section");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        buf.flip();
    }
}
