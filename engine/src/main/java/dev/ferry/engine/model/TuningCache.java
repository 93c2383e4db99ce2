package dev.ferry.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tuner's choices kept on disk between starts, so that the second start of a model on the same
 * host skips the timing (about 10 of the 14 s a 100M Llama took to start). One JSON file per
 * {@link TuningHost} in the cache folder, named by a digest of the host key and holding that key in
 * full, with each layer's forms by row-count bucket under a key that names its dtypes, shape and
 * the forms that competed. A file that cannot be read or does not parse is ignored with a warning
 * and replaced by the next save; one written for another host is never read (its name differs).
 */
public final class TuningCache {
    private static final Logger LOG = LoggerFactory.getLogger(TuningCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file, or null for a cache that lives in memory only (no cache folder given). */
    private final Path file;
    private final TuningHost host;
    /** Whether stored choices are ignored (and replaced): {@code --retune}. */
    private final boolean retune;
    private final Map<String, Linear.Form[]> layers = new LinkedHashMap<>();
    private boolean changed;

    private TuningCache(Path file, TuningHost host, boolean retune) {
        this.file = file;
        this.host = host;
        this.retune = retune;
    }

    /** A cache that keeps nothing beyond this process: every layer is timed. */
    public static TuningCache none() {
        return new TuningCache(null, null, true);
    }

    /**
     * The cache for {@code host} in {@code folder} (created on the first save).
     *
     * @param retune whether to time every layer again, replacing what the file holds
     */
    public static TuningCache open(Path folder, TuningHost host, boolean retune) {
        TuningCache c = new TuningCache(folder.resolve(fileName(host)), host, retune);
        c.read();
        return c;
    }

    /** Where the choices are kept, or empty when they are not kept. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The stored choice for a layer key, unless retuning. */
    Optional<Linear.Form[]> lookup(String layerKey) {
        return retune ? Optional.empty() : Optional.ofNullable(layers.get(layerKey)).map(Linear.Form[]::clone);
    }

    void store(String layerKey, Linear.Form[] forms) {
        layers.put(layerKey, forms.clone());
        changed = true;
    }

    /**
     * Writes the file if anything was stored since it was read; a failure is a warning, since the
     * model runs the same either way. Written to a temporary file and moved over the old one, so a
     * reader never sees half a file.
     */
    void save() {
        if (file == null || !changed) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("kernel_version", host.kernelVersion());
        root.put("cpu", host.cpu());
        root.put("cpu_flags", host.cpuFlags());
        root.put("threads", host.threads());
        ObjectNode entries = root.putObject("layers");
        layers.forEach((key, forms) -> {
            var array = entries.putArray(key);
            for (Linear.Form f : forms) {
                array.add(f.name());
            }
        });
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
                move(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
            changed = false;
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not save the linear tuning cache {}: {}; the next start tunes again", file, e.toString());
        }
    }

    private void move(Path tmp) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void read() {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | RuntimeException e) {
            ignore("unreadable (" + e + ")");
            return;
        }
        try {
            parse(JSON.readTree(text));
        } catch (IOException | IllegalArgumentException e) {
            layers.clear();
            ignore(e.getMessage());
        }
    }

    private void parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        TuningHost stored = new TuningHost(root.path("cpu").asText(), root.path("cpu_flags").asText(),
                root.path("threads").asInt(), root.path("kernel_version").asInt());
        if (!stored.equals(host)) {
            throw new IllegalArgumentException("it was written for another host or kernel version: " + stored.cpu()
                    + ", " + stored.threads() + " threads, kernel version " + stored.kernelVersion());
        }
        JsonNode entries = root.path("layers");
        if (!entries.isObject()) {
            throw new IllegalArgumentException("'layers' is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            layers.put(e.getKey(), forms(e.getKey(), e.getValue()));
        }
    }

    private static Linear.Form[] forms(String key, JsonNode node) {
        if (!node.isArray() || node.size() != Linear.BUCKETS) {
            throw new IllegalArgumentException("layer '" + key + "': expected " + Linear.BUCKETS + " forms");
        }
        Linear.Form[] forms = new Linear.Form[Linear.BUCKETS];
        for (int b = 0; b < forms.length; b++) {
            forms[b] = Linear.Form.valueOf(node.get(b).asText()); // an unknown name throws IllegalArgumentException
        }
        return forms;
    }

    private void ignore(String why) {
        LOG.warn("ignoring the linear tuning cache {}: {}; tuning again and rewriting it", file, why);
        changed = true; // rewritten even if every layer's choice turns out as cached before
    }

    /** The host key's digest: a file per host, so hosts that share a FERRY_HOME never overwrite each other. */
    static String fileName(TuningHost host) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(host.toString().getBytes(StandardCharsets.UTF_8));
            return "linear-forms-" + HexFormat.of().formatHex(digest, 0, 8) + ".json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
