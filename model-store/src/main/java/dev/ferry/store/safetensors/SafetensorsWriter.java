package dev.ferry.store.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file one tensor at a time, so a file far larger than the heap can be made.
 * All tensors are declared up front (the header, with every data offset, comes first in the file);
 * then each tensor's values are streamed in declaration order, a chunk at a time.
 *
 * <pre>{@code
 * try (var w = SafetensorsWriter.create(path, entries, Map.of("format", "pt"))) {
 *     w.writeTensor("model.norm.weight", (start, dst, n) -> Arrays.fill(dst, 0, n, 1f));
 * }
 * }</pre>
 */
public final class SafetensorsWriter implements Closeable {
    /** Elements converted per write; 1 Mi keeps the buffers at a few MB whatever the tensor size. */
    static final int CHUNK_ELEMENTS = 1 << 20;

    /** One tensor of the file: its name, element type and row-major shape. */
    public record Entry(String name, TensorDtype dtype, long[] shape) {
        public Entry {
            shape = shape.clone();
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
                }
            }
        }

        public long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        public long byteSize() {
            return Math.multiplyExact(numel(), dtype.bytes());
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /**
     * Supplies a tensor's values in row-major order: fill {@code dst[0..count)} with elements
     * {@code [start, start + count)}. The writer asks for consecutive ranges of at most
     * {@link #CHUNK_ELEMENTS}, starting at 0.
     */
    @FunctionalInterface
    public interface FloatSource {
        void fill(long start, float[] dst, int count);
    }

    private final Path path;
    private final FileChannel channel;
    private final List<Entry> entries;
    private final ByteBuffer buffer;
    private final float[] values;
    private int next;

    private SafetensorsWriter(Path path, FileChannel channel, List<Entry> entries) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        int maxBytes = entries.stream().mapToInt(e -> e.dtype().bytes()).max().orElse(1);
        this.buffer = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * maxBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.values = new float[CHUNK_ELEMENTS];
    }

    /**
     * Creates (or truncates) {@code path} and writes the header. Data is laid out in the order of
     * {@code entries}, which is also the order {@link #writeTensor} must be called in.
     */
    public static SafetensorsWriter create(Path path, List<Entry> entries, Map<String, String> metadata)
            throws IOException {
        List<Entry> copy = List.copyOf(entries);
        byte[] header = header(copy, metadata);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            writeFully(channel, prefix);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new SafetensorsWriter(path, channel, copy);
    }

    /**
     * The header bytes: compact JSON with {@code data_offsets} relative to the data buffer, then
     * {@code __metadata__}, padded with spaces (which the format allows) so the data starts 8-byte aligned.
     */
    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        Map<String, Object> json = new LinkedHashMap<>();
        var names = new HashSet<String>();
        long offset = 0;
        for (Entry e : entries) {
            if (!names.add(e.name()) || e.name().equals("__metadata__")) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + e.name());
            }
            long end = offset + e.byteSize();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().tag());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, end});
            json.put(e.name(), info);
            offset = end;
        }
        if (metadata != null && !metadata.isEmpty()) {
            json.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        byte[] raw;
        try {
            raw = new ObjectMapper().writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException(e); // plain maps and arrays always serialize
        }
        int padded = raw.length + Math.floorMod(-(8 + raw.length), 8);
        byte[] out = Arrays.copyOf(raw, padded);
        Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    /** Streams the next declared tensor's values, converting each to the tensor's dtype. */
    public void writeTensor(String name, FloatSource source) throws IOException {
        Entry e = expectNext(name);
        if (!e.dtype().isFloat()) {
            throw new IllegalArgumentException(name + ": cannot write float values as " + e.dtype().tag());
        }
        long numel = e.numel();
        for (long start = 0; start < numel; start += CHUNK_ELEMENTS) {
            int n = (int) Math.min(CHUNK_ELEMENTS, numel - start);
            source.fill(start, values, n);
            buffer.clear();
            encode(values, n, e.dtype(), buffer);
            buffer.flip();
            writeFully(channel, buffer);
        }
        next++;
    }

    /** Writes the next declared tensor from an array holding all its values. */
    public void writeTensor(String name, float[] data) throws IOException {
        long numel = expectNext(name).numel();
        if (data.length != numel) {
            throw new IllegalArgumentException(name + ": " + data.length + " values, shape implies " + numel);
        }
        writeTensor(name, (start, dst, n) -> System.arraycopy(data, (int) start, dst, 0, n));
    }

    private Entry expectNext(String name) {
        if (next >= entries.size()) {
            throw new IllegalStateException(path + ": all " + entries.size() + " tensors already written, got " + name);
        }
        Entry e = entries.get(next);
        if (!e.name().equals(name)) {
            throw new IllegalStateException(path + ": expected tensor " + e.name() + " next, got " + name);
        }
        return e;
    }

    private static void encode(float[] src, int n, TensorDtype dtype, ByteBuffer out) {
        switch (dtype) {
            case F32 -> out.asFloatBuffer().put(src, 0, n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out.putDouble(i * 8, src[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(i * 2, HalfFloats.floatToHalf(src[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(i * 2, HalfFloats.floatToBf16(src[i]));
                }
            }
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
        out.position(n * dtype.bytes()); // the bulk and absolute puts above leave the position alone
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Closes the file; fails if fewer tensors were written than declared (the file would be truncated). */
    @Override
    public void close() throws IOException {
        channel.close();
        if (next < entries.size()) {
            throw new IOException(path + ": closed with " + (entries.size() - next) + " tensors unwritten, first "
                    + entries.get(next).name());
        }
    }
}
