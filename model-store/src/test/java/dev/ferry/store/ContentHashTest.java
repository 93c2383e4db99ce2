package dev.ferry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentHashTest {
    @TempDir
    Path dir;

    private Path create(String name, long seed) throws IOException {
        Path d = dir.resolve(name);
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(seed), d);
        return d;
    }

    @Test
    void sameFilesSameHashAnyChangedByteChangesIt() throws IOException {
        Path a = create("a", 1);
        Path b = create("b", 1);
        String h = ContentHash.of(a);
        assertEquals(32, h.length());
        assertEquals(h, ContentHash.of(b), "identical content, different folder");
        assertNotEquals(h, ContentHash.of(create("c", 2)), "other weights");

        Files.writeString(b.resolve("ferry.properties"), "max-num-seqs=8\n");
        assertEquals(h, ContentHash.of(b), "serving settings do not change outputs");

        try (RandomAccessFile f = new RandomAccessFile(b.resolve("model.safetensors").toFile(), "rw")) {
            long at = f.length() - 3;
            f.seek(at);
            int old = f.read();
            f.seek(at);
            f.write(old ^ 1);
        }
        assertNotEquals(h, ContentHash.of(b), "one flipped weight bit");
    }
}
