package dev.ferry.store.create;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.safetensors.SafetensorsHeader;
import dev.ferry.store.safetensors.SafetensorsWriter;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Model folders derived from another one, for tiers whose agreement is known by construction (the
 * routing tests and benchmark): a copy whose input embeddings of some token ids are replaced, which
 * answers a prompt made without them, and every answer that writes none of them, exactly as the
 * original; and a deeper twin whose extra layers add nothing to the residual stream, which costs
 * more per token and answers exactly as the original. Llama-family folders with one F32 safetensors
 * file and an untied output projection.
 */
public final class DerivedModels {
    private static final String WEIGHTS = "model.safetensors";
    private static final String EMBEDDING = "model.embed_tokens.weight";
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    /** The projections back into the residual stream: zero, and a layer adds nothing. */
    private static final Set<String> INTO_RESIDUAL = Set.of("self_attn.o_proj.weight", "mlp.down_proj.weight");

    private DerivedModels() {}

    /** Copies every file of {@code from} (not sub-folders) into {@code to}, created if needed. */
    public static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /** Replaces, in place, the input embedding rows of {@code ids} with other values (std 0.1 Gaussian, seeded). */
    public static void replaceEmbeddingRows(Path folder, Set<Integer> ids, long seed) throws IOException {
        Path weights = folder.resolve(WEIGHTS);
        TensorInfo embedding = f32(weights, SafetensorsHeader.read(weights).get(EMBEDDING), EMBEDDING);
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

    /**
     * Writes into {@code to} the model of {@code from} with {@code layers} layers: its own, then copies of
     * them in turn whose attention output and MLP down projections are zero.
     */
    public static void deepen(Path from, Path to, int layers) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(from.resolve("config.json").toFile());
        int own = config.get("num_hidden_layers").asInt();
        if (layers <= own) {
            throw new IllegalArgumentException("deepen: " + layers + " layers is not more than the " + own + " of " + from);
        }
        copy(from, to);
        config.put("num_hidden_layers", layers);
        json.writerWithDefaultPrettyPrinter().writeValue(to.resolve("config.json").toFile(), config);
        Path source = from.resolve(WEIGHTS);
        Map<String, TensorInfo> tensors = SafetensorsHeader.read(source);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<Boolean> zero = new ArrayList<>();
        for (TensorInfo t : tensors.values()) {
            Matcher m = LAYER.matcher(t.name());
            if (!m.matches()) {
                add(entries, sources, zero, t.name(), t, false);
                continue;
            }
            int layer = Integer.parseInt(m.group(1));
            for (int copy = layer; copy < layers; copy += own) {
                add(entries, sources, zero, "model.layers." + copy + "." + m.group(2), t,
                        copy >= own && INTO_RESIDUAL.contains(m.group(2)));
            }
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(to.resolve(WEIGHTS), entries, Map.of("format", "pt"))) {
            for (int i = 0; i < entries.size(); i++) {
                float[] values = zero.get(i) ? null : read(f32(source, tensors.get(sources.get(i)), sources.get(i)));
                w.writeTensor(entries.get(i).name(), (start, dst, n) -> {
                    if (values != null) {
                        System.arraycopy(values, (int) start, dst, 0, n);
                    } else {
                        Arrays.fill(dst, 0, n, 0f);
                    }
                });
            }
        }
    }

    private static void add(List<SafetensorsWriter.Entry> entries, List<String> sources, List<Boolean> zero, String name,
                            TensorInfo source, boolean zeroed) {
        entries.add(new SafetensorsWriter.Entry(name, TensorDtype.F32, source.shape()));
        sources.add(source.name());
        zero.add(zeroed);
    }

    private static TensorInfo f32(Path file, TensorInfo t, String name) {
        if (t == null || t.dtype() != TensorDtype.F32) {
            throw new IllegalArgumentException(file + ": no F32 tensor " + name);
        }
        return t;
    }

    private static float[] read(TensorInfo t) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(t.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel in = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            while (bytes.hasRemaining()) {
                if (in.read(bytes, t.fileOffset() + bytes.position()) < 0) {
                    throw new IOException(t.file() + ": ends inside tensor " + t.name());
                }
            }
        }
        bytes.flip();
        FloatBuffer floats = bytes.asFloatBuffer();
        float[] out = new float[floats.remaining()];
        floats.get(out);
        return out;
    }
}
