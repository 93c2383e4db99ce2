package dev.ferry.store.config;

import dev.ferry.store.ModelLoadException;
import dev.ferry.store.safetensors.TensorDtype;
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
 * optional (null, or an empty list, when unset); command-line flags override them. Unknown keys are
 * errors so that a typo never silently falls back to a default.
 *
 * @param quantize how dense-layer weights are quantized at load ({@code quantize=int8}); null for none
 * @param devices where the model's replicas may run ("gpu0,gpu1"); empty for wherever the server places them
 * @param replicas how many instances of the model to load, each with its own engine loop
 * @param kvCacheShare the fraction of its device's KV budget each replica takes
 * @param encoderBatching an encoder's batching (its keys' defaults when unset); decoders ignore it
 * @param toolParser the syntax the model writes tool calls in ({@code tool-parser=hermes}), over
 *     the one its chat template shows; the server checks the name
 * @param reasoningParser how the model marks its thinking ({@code reasoning-parser=think|none}),
 *     over what its chat template shows; the server checks the name
 * @param reasoningBudgets thinking tokens per {@code reasoning_effort} ({@code reasoning-budget.low=256})
 * @param matryoshkaDimensions the shorter embedding sizes an encoder was trained to be cut to
 *     (Matryoshka representation learning), which a request's {@code dimensions} may ask for;
 *     empty when only the full size is served
 */
public record ServingConfig(
        TensorDtype dtype,
        Quantization quantize,
        List<String> devices,
        List<String> aliases,
        Tier tier,
        Integer maxModelLen,
        MemoryBudget kvCacheMemory,
        Double kvCacheShare,
        Integer replicas,
        Integer maxNumSeqs,
        Integer maxNumBatchedTokens,
        Integer blockSize,
        SloConfig slo,
        EncoderBatchConfig encoderBatching,
        String toolParser,
        String reasoningParser,
        ReasoningBudgets reasoningBudgets,
        List<Integer> matryoshkaDimensions) {

    public static final String FILE = "ferry.properties";
    private static final Pattern DEVICE = Pattern.compile("cpu|gpu\\d+|gpu\\(\\d+\\)|cuda:\\d+");
    private static final Set<String> KEYS = new TreeSet<>(Arrays.asList("dtype", "quantize", "device", "aliases", "tier",
            "max-model-len", "kv-cache-memory", "kv-cache-share", "replicas", "max-num-seqs", "max-num-batched-tokens",
            "block-size", "tool-parser", "reasoning-parser", "matryoshka-dimensions"));

    static {
        KEYS.addAll(EncoderBatchConfig.KEYS);
    }

    public enum Tier { SMALL, LARGE }

    public static ServingConfig defaults() {
        return new ServingConfig(null, null, List.of(), List.of(), null, null, null, null, null, null, null, null,
                SloConfig.NONE, EncoderBatchConfig.defaults(), null, null, ReasoningBudgets.DEFAULTS, List.of());
    }

    public static ServingConfig read(Path file) {
        return parse(PropertiesFiles.read(file));
    }

    public static ServingConfig parse(Properties p) {
        for (String key : p.stringPropertyNames()) {
            if (!KEYS.contains(key) && !key.startsWith(SloConfig.PREFIX) && !key.startsWith(ReasoningBudgets.PREFIX)) {
                throw error(key, "unknown key (known keys: " + String.join(", ", KEYS) + ", "
                        + SloConfig.PREFIX + "<latency>.p<percentile>, " + SloConfig.PREFIX + "window, "
                        + ReasoningBudgets.PREFIX + "<effort>)");
            }
        }
        if (p.getProperty("kv-cache-memory") != null && p.getProperty("kv-cache-share") != null) {
            throw error("kv-cache-share", "cannot be combined with kv-cache-memory: give the model either its own "
                    + "budget or a share of its device's");
        }
        return new ServingConfig(dtype(p), quantize(p), devices(p), aliases(p), tier(p), positive(p, "max-model-len"),
                memory(p), share(p), positive(p, "replicas"), positive(p, "max-num-seqs"),
                positive(p, "max-num-batched-tokens"), positive(p, "block-size"), slo(p), encoderBatching(p),
                name(p, "tool-parser"), name(p, "reasoning-parser"), budgets(p), matryoshkaDimensions(p));
    }

    /**
     * The error for a key whose value a reader outside this class refused (the parser names the
     * server knows): it names the file and the key, as this class's own errors do.
     */
    public static ModelLoadException invalid(String key, String what) {
        return error(key, what);
    }

    /**
     * Validates a device name ("cpu", "gpu0", "gpu(1)", "cuda:0"); returns it as "cpu" or "gpuN", so
     * that one device has one name however it was spelt.
     */
    public static String checkDevice(String device) {
        String d = device.trim().toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(d).matches()) {
            throw new IllegalArgumentException("unknown device '" + device + "' (expected cpu, gpu0, gpu1, ...)");
        }
        return d.equals("cpu") ? d : "gpu" + Integer.parseInt(d.replaceAll("\\D", ""));
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

    private static Quantization quantize(Properties p) {
        String v = p.getProperty("quantize");
        if (v == null) {
            return null;
        }
        try {
            return Quantization.fromUserName(v);
        } catch (IllegalArgumentException e) {
            throw error("quantize", e.getMessage());
        }
    }

    /** Validates a comma-separated device list ("gpu0,gpu1"); returns the names normalised, in order. */
    public static List<String> checkDevices(String devices) {
        List<String> out = new ArrayList<>();
        for (String d : devices.split(",")) {
            if (!d.isBlank()) {
                String device = checkDevice(d);
                if (!out.contains(device)) {
                    out.add(device);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("names no device (expected cpu, gpu0, gpu0,gpu1, ...)");
        }
        return List.copyOf(out);
    }

    private static List<String> devices(Properties p) {
        String v = p.getProperty("device");
        if (v == null) {
            return List.of();
        }
        try {
            return checkDevices(v);
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

    private static Double share(Properties p) {
        String v = p.getProperty("kv-cache-share");
        if (v == null) {
            return null;
        }
        try {
            double share = Double.parseDouble(v.trim());
            if (share > 0 && share <= 1) {
                return share;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw error("kv-cache-share", "must be a fraction in (0, 1] of the device's KV budget, got '" + v + "'");
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

    /** Positive sizes, e.g. "64,128,256", sorted; whether they fit the model is checked once it loads. */
    private static List<Integer> matryoshkaDimensions(Properties p) {
        String v = p.getProperty("matryoshka-dimensions");
        if (v == null) {
            return List.of();
        }
        TreeSet<Integer> sizes = new TreeSet<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                try {
                    int n = Integer.parseInt(s.trim());
                    if (n > 0) {
                        sizes.add(n);
                        continue;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw error("matryoshka-dimensions", "'" + s.trim() + "' is not a positive size (expected e.g. 64,128,256)");
            }
        }
        if (sizes.isEmpty()) {
            throw error("matryoshka-dimensions", "names no size (expected e.g. 64,128,256)");
        }
        return List.copyOf(sizes);
    }

    private static EncoderBatchConfig encoderBatching(Properties p) {
        try {
            return EncoderBatchConfig.parse(p);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(FILE + ": key '" + e.getMessage().replaceFirst(": ", "': "), e);
        }
    }

    private static String name(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? null : v.trim();
    }

    private static SloConfig slo(Properties p) {
        try {
            return SloConfig.parse(entries(p));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(FILE + ": " + e.getMessage(), e);
        }
    }

    private static ReasoningBudgets budgets(Properties p) {
        try {
            return ReasoningBudgets.parse(entries(p));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(FILE + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> entries(Properties p) {
        Map<String, String> entries = new HashMap<>();
        p.stringPropertyNames().forEach(k -> entries.put(k, p.getProperty(k)));
        return entries;
    }

    private static ModelLoadException error(String key, String what) {
        return new ModelLoadException(FILE + ": key '" + key + "': " + what);
    }
}
