package dev.ferry.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A fingerprint of what a model folder computes: every file that shapes its outputs (weights,
 * config, tokenizer, generation and chat settings, an encoder's {@code 1_Pooling/config.json}), by
 * name, size and content. ferry.properties
 * is left out, since it holds serving settings; what of it changes outputs (dtype, device) is part
 * of the caller's cache key. Weights are read once with CRC32C (several GB/s with the CPU's
 * instruction), and the per-file checksums are combined with SHA-256.
 */
public final class ContentHash {
    private static final String SERVING_FILE = "ferry.properties";

    private ContentHash() {
    }

    /** 32 hex digits. */
    public static String of(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (Path file : files(dir)) {
                CRC32C crc = new CRC32C();
                long size = 0;
                try (InputStream in = Files.newInputStream(file)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                        size += n;
                    }
                }
                sha.update((dir.relativize(file) + "\0" + size + "\0" + crc.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + " to fingerprint it", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The folder's files and those of its subfolders (sentence-transformers keeps module settings there). */
    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, 2)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.equals(dir.resolve(SERVING_FILE)))
                    .sorted().toList();
        }
    }
}
