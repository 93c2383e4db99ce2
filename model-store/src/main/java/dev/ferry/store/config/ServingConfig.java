package dev.ferry.store.config;

import dev.ferry.store.ModelLoadException;
import dev.ferry.store.safetensors.TensorDtype;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Serving settings an operator puts beside a model in {@code ferry.properties}. Every value is
 * optional (null when unset); command-line flags override them. Unknown keys are errors so that a
 * typo never silently falls back to a default.
 */
public record ServingConfig(
        TensorDtype dtype,
        String device,
        List<String> aliases,
        Tier tier,
        Integer maxModelLen,
        MemoryBudget kvCacheMemory,
        Integer maxNumSeqs,
        Integer maxNumBatchedTokens,
        Integer blockSize,
        SloConfig slo) {

    public static final String FILE = "ferry.properties";
    private static final Pattern DEVICE = Pattern.compile("cpu|gpu\\d+|gpu\\(\\d+\\)|cuda:\\d+");
    private static final Set<String> KEYS = new TreeSet<>(Arrays.asList("dtype", "device", "aliases", "tier",
            "max-model-len", "kv-cache-memory", "max-num-seqs", "max-num-batched-tokens", "block-size"));

    public enum Tier { SMALL, LARGE }

    public static ServingConfig defaults() {
        return new ServingConfig(null, null, List.of(), null, null, null, null, null, null, SloConfig.NONE);
    }

    public static ServingConfig read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelLoadException(FILE + ": cannot be read: " + e.getMessage(), e);
        }
        return parse(p);
    }

    public static ServingConfig parse(Properties p) {
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key) && !key.startsWith(SloConfig.PREFIX)) {
                throw error(key, "unknown key (known keys: " + String.join(", ", KEYS) + ", "
                        + SloConfig.PREFIX + "<latency>.p<percentile>, " + SloConfig.PREFIX + "window)");
            }
        }
        return new ServingConfig(dtype(p), device(p), aliases(p), tier(p), positive(p, "max-model-len"),
                memory(p), positive(p, "max-num-seqs"), positive(p, "max-num-batched-tokens"),
                positive(p, "block-size"), slo(p));
    }

    /** Validates a device name ("cpu", "gpu0", "gpu(1)", "cuda:0"); returns it normalised to lower case. */
    public static String checkDevice(String device) {
        String d = device.trim().toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(d).matches()) {
            throw new IllegalArgumentException("unknown device '" + device + "' (expected cpu, gpu0, gpu1, ...)");
        }
        return d;
    }

    private static TensorDtype dtype(Properties p) {
        String v = p.getProperty("dtype");
        if (v == null) {
            return null;
        }
        try {
            return TensorDtype.fromUserName(v.trim());
        } catch (IllegalArgumentException e) {
            throw error("dtype", e.getMessage());
        }
    }

    private static String device(Properties p) {
        String v = p.getProperty("device");
        if (v == null) {
            return null;
        }
        try {
            return checkDevice(v);
        } catch (IllegalArgumentException e) {
            throw error("device", e.getMessage());
        }
    }

    private static List<String> aliases(Properties p) {
        String v = p.getProperty("aliases");
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String a : v.split(",")) {
                if (!a.isBlank()) {
                    out.add(a.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    private static Tier tier(Properties p) {
        String v = p.getProperty("tier");
        if (v == null) {
            return null;
        }
        try {
            return Tier.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error("tier", "'" + v + "' is not a tier (expected small or large)");
        }
    }

    private static MemoryBudget memory(Properties p) {
        String v = p.getProperty("kv-cache-memory");
        if (v == null) {
            return null;
        }
        try {
            return MemoryBudget.parse(v);
        } catch (IllegalArgumentException e) {
            throw error("kv-cache-memory", e.getMessage());
        }
    }

    private static Integer positive(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) {
                throw error(key, "must be a positive integer, got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(key, "must be a positive integer, got '" + v + "'");
        }
    }

    private static SloConfig slo(Properties p) {
        Map<String, String> entries = new HashMap<>();
        p.stringPropertyNames().forEach(k -> entries.put(k, p.getProperty(k)));
        try {
            return SloConfig.parse(entries);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(FILE + ": " + e.getMessage(), e);
        }
    }

    private static ModelLoadException error(String key, String what) {
        return new ModelLoadException(FILE + ": key '" + key + "': " + what);
    }
}
