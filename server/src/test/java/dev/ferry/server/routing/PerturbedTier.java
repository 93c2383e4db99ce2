package dev.ferry.server.routing;

import dev.ferry.store.safetensors.SafetensorsHeader;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A small tier derived from a large model for routing tests: the same folder (architecture, tokenizer,
 * weights) with the input embedding rows of some token ids replaced by other random values. A prompt
 * that uses none of those ids, and an answer that writes none, runs bit for bit as on the large model
 * (agreement 1); a prompt made of them runs on other hidden states and answers otherwise. Needs an F32
 * checkpoint in one file whose output projection is not tied to the embedding.
 */
final class PerturbedTier {
    static final String EMBEDDING = "model.embed_tokens.weight";

    private PerturbedTier() {}

    /** Copies {@code large} to {@code small} and replaces the embedding rows of {@code ids} (std 0.1 Gaussian, seeded). */
    static void derive(Path large, Path small, Set<Integer> ids, long seed) throws IOException {
        Files.createDirectories(small);
        try (Stream<Path> files = Files.list(large)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, small.resolve(f.getFileName()));
            }
        }
        Path weights = small.resolve("model.safetensors");
        TensorInfo embedding = SafetensorsHeader.read(weights).get(EMBEDDING);
        if (embedding == null || embedding.dtype() != TensorDtype.F32) {
            throw new IllegalArgumentException(weights + ": no F32 " + EMBEDDING);
        }
        int hidden = (int) embedding.shape()[1];
        Random random = new Random(seed);
        ByteBuffer row = ByteBuffer.allocate(hidden * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel out = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            for (int id : ids.stream().sorted().toList()) {
                row.clear();
                for (int c = 0; c < hidden; c++) {
                    row.putFloat((float) (0.1 * random.nextGaussian()));
                }
                row.flip();
                out.write(row, embedding.fileOffset() + (long) id * hidden * Float.BYTES);
            }
        }
    }
}
