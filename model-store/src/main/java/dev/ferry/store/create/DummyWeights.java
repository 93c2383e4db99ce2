package dev.ferry.store.create;

import dev.ferry.store.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import dev.ferry.store.ExpectedTensors;
import java.util.List;
import java.util.Map;

/**
 * Writes model.safetensors with random weights for a spec, streaming tensor by tensor so memory
 * stays at a few MB whatever the model size. The file appears under its name only when complete.
 */
final class DummyWeights {
    /** Files smaller than this are written in well under a second; reporting progress would only be noise. */
    private static final long PROGRESS_MIN_BYTES = 100_000_000;

    private DummyWeights() {
    }

    /** Writes the weights to {@code file}; returns the file's size in bytes. */
    static long write(ModelSpec spec, Path file, PrintStream progress) throws IOException {
        List<WeightLayout.Tensor> layout = WeightLayout.of(spec);
        List<SafetensorsWriter.Entry> entries = layout.stream()
                .map(t -> new SafetensorsWriter.Entry(t.name(), spec.dtype(), t.shape()))
                .toList();
        long dataBytes = entries.stream().mapToLong(SafetensorsWriter.Entry::byteSize).sum();
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        long written = 0;
        int reported = 0;
        try (SafetensorsWriter w = SafetensorsWriter.create(partial, entries, Map.of("format", "pt"))) {
            for (int i = 0; i < layout.size(); i++) {
                WeightLayout.Tensor t = layout.get(i);
                w.writeTensor(t.name(), source(spec, t));
                written += entries.get(i).byteSize();
                int percent = (int) (100 * written / Math.max(1, dataBytes));
                if (dataBytes >= PROGRESS_MIN_BYTES && percent / 10 > reported / 10) {
                    reported = percent;
                    progress.printf("  model.safetensors: %3d%% (%.2f of %.2f GB)%n", percent, written / 1e9, dataBytes / 1e9);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(file);
    }

    /** Norm scales are 1 + normNoise * N(0,1) (Gemma stores the offset from 1); weights and biases std * N(0,1). */
    static GaussianSource source(ModelSpec spec, WeightLayout.Tensor t) {
        return t.kind() == ExpectedTensors.Kind.NORM
                ? new GaussianSource(spec.seed(), t.name(), spec.arch().normsStoreOffsets() ? 0.0 : 1.0, spec.normNoise())
                : new GaussianSource(spec.seed(), t.name(), 0.0, spec.std());
    }
}
