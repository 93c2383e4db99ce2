package dev.ferry.store.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static SafetensorsWriter.Entry entry(String name, TensorDtype dtype, long... shape) {
        return new SafetensorsWriter.Entry(name, dtype, shape);
    }

    @Test
    void writtenFileParsesWithAlignedHeaderAndRoundedValues() throws IOException {
        float[] values = {0f, -0f, 1f, -2.5f, 1f / 3, 65520f, 1e-7f, Float.POSITIVE_INFINITY};
        Path file = dir.resolve("t.safetensors");
        List<SafetensorsWriter.Entry> entries = List.of(entry("a", TensorDtype.F32, 2, 4),
                entry("b", TensorDtype.F16, 8), entry("c", TensorDtype.BF16, 4, 2), entry("empty", TensorDtype.F32, 3, 0));
        try (var w = SafetensorsWriter.create(file, entries, Map.of("format", "pt"))) {
            w.writeTensor("a", values);
            w.writeTensor("b", values);
            w.writeTensor("c", values);
            w.writeTensor("empty", new float[0]);
        }
        var r = new SafetensorsTestReader(file); // checks alignment, contiguity and total length
        assertEquals(Map.of("format", "pt"), r.metadata());
        assertEquals(0, r.dataStart() % 8);
        assertTrue(r.headerText().startsWith("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]}"),
                r.headerText());
        assertTrue(r.headerText().matches("(?s)\\{.*\\} *"), "padding must be trailing spaces only");
        assertArrayEquals(new long[] {4, 2}, r.tensors().get("c").shape());
        assertArrayEquals(values, r.floats("a"));
        for (int i = 0; i < values.length; i++) {
            assertEquals(HalfFloats.halfToFloat(HalfFloats.floatToHalf(values[i])), r.floats("b")[i]);
            assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(values[i])), r.floats("c")[i]);
        }
        assertEquals(Float.POSITIVE_INFINITY, r.floats("b")[5]); // 65520 overflows binary16
        assertEquals(0, r.floats("empty").length);
        assertEquals(Files.size(file), r.dataStart() + 32 + 16 + 16);
    }

    @Test
    void streamsTensorsLargerThanOneChunk() throws IOException {
        long n = 2L * SafetensorsWriter.CHUNK_ELEMENTS + 3;
        Path file = dir.resolve("big.safetensors");
        try (var w = SafetensorsWriter.create(file, List.of(entry("x", TensorDtype.F32, n)), Map.of())) {
            w.writeTensor("x", (start, dst, count) -> {
                for (int i = 0; i < count; i++) {
                    dst[i] = start + i;
                }
            });
        }
        float[] x = new SafetensorsTestReader(file).floats("x");
        assertEquals(n, x.length);
        for (int i = 0; i < n; i += 9973) {
            assertEquals((float) i, x[i]);
        }
        assertEquals((float) (n - 1), x[(int) n - 1]);
    }

    @Test
    void tensorsMustComeInDeclaredOrderAndAllBeWritten() throws IOException {
        Path file = dir.resolve("o.safetensors");
        var entries = List.of(entry("first", TensorDtype.F32, 1), entry("second", TensorDtype.F32, 1));
        var w = SafetensorsWriter.create(file, entries, Map.of());
        var wrongOrder = assertThrows(IllegalStateException.class, () -> w.writeTensor("second", new float[1]));
        assertTrue(wrongOrder.getMessage().contains("expected tensor first"), wrongOrder.getMessage());
        w.writeTensor("first", new float[1]);
        var incomplete = assertThrows(IOException.class, w::close);
        assertTrue(incomplete.getMessage().contains("second"), incomplete.getMessage());
    }

    @Test
    void rejectsValueCountThatDisagreesWithShape() throws IOException {
        try (var w = SafetensorsWriter.create(dir.resolve("s.safetensors"),
                List.of(entry("w", TensorDtype.F32, 2, 3)), Map.of())) {
            var e = assertThrows(IllegalArgumentException.class, () -> w.writeTensor("w", new float[5]));
            assertTrue(e.getMessage().contains("shape implies 6"), e.getMessage());
            w.writeTensor("w", new float[6]);
        }
    }
}
