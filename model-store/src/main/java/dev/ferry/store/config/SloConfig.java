package dev.ferry.store.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Latency objectives of a model: each bounds a percentile of one latency over a sliding window,
 * written {@code slo.ttft.p95=500ms} and {@code slo.window=60s} (in ferry.properties, or with
 * {@code --slo} for every model).
 *
 * @param window how far back the objectives look; null when not set (see {@link #effectiveWindow()})
 */
public record SloConfig(List<Slo> objectives, Duration window) {
    public static final String PREFIX = "slo.";
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final Duration MAX_WINDOW = Duration.ofHours(1);
    public static final SloConfig NONE = new SloConfig(List.of(), null);

    private static final Pattern OBJECTIVE = Pattern.compile("([a-z0-9]+)\\.p(\\d{1,3}(?:\\.\\d+)?)");

    /** The latencies an objective can bound, by the name keys give them. */
    public enum Latency {
        /** Submit to first token. */
        TTFT,
        /** Between consecutive tokens. */
        ITL,
        /** Submit to finish. */
        E2E,
        /** Submit to first scheduled. */
        QUEUE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The {@code percentile} (0 to 100) of {@code latency} must stay at or under {@code threshold}. */
    public record Slo(Latency latency, double percentile, Duration threshold) {

        /** As keys name it: {@code ttft.p95}, {@code itl.p99.9}. */
        public String name() {
            return latency.key() + ".p" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
        }
    }

    public SloConfig {
        objectives = List.copyOf(objectives);
    }

    /**
     * Reads the {@code slo.*} entries of {@code entries} (others are ignored). Fails with an
     * {@link IllegalArgumentException} naming the key at fault.
     */
    public static SloConfig parse(Map<String, String> entries) {
        Map<String, Slo> objectives = new LinkedHashMap<>();
        Duration window = null;
        for (Map.Entry<String, String> e : new TreeMap<>(entries).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            try {
                String name = key.substring(PREFIX.length());
                if (name.equals("window")) {
                    window = window(e.getValue());
                } else {
                    Slo slo = objective(name, e.getValue());
                    if (objectives.put(slo.name(), slo) != null) {
                        throw new IllegalArgumentException("sets " + slo.name() + " a second time");
                    }
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("key '" + key + "': " + ex.getMessage(), ex);
            }
        }
        return new SloConfig(new ArrayList<>(objectives.values()), window);
    }

    /** These objectives over {@code defaults}: an objective of the same name, and the window, set here win. */
    public SloConfig over(SloConfig defaults) {
        Map<String, Slo> merged = new LinkedHashMap<>();
        defaults.objectives.forEach(s -> merged.put(s.name(), s));
        objectives.forEach(s -> merged.put(s.name(), s));
        return new SloConfig(new ArrayList<>(merged.values()), window != null ? window : defaults.window);
    }

    public Duration effectiveWindow() {
        return window != null ? window : DEFAULT_WINDOW;
    }

    public boolean isEmpty() {
        return objectives.isEmpty();
    }

    private static Slo objective(String name, String value) {
        Matcher m = OBJECTIVE.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected slo.<latency>.p<percentile> (such as slo.ttft.p95) or slo.window");
        }
        Latency latency;
        try {
            latency = Latency.valueOf(m.group(1).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown latency '" + m.group(1) + "' (expected ttft, itl, e2e or queue)");
        }
        double percentile = Double.parseDouble(m.group(2));
        if (percentile <= 0 || percentile > 100) {
            throw new IllegalArgumentException("percentile p" + m.group(2) + " is outside p0..p100");
        }
        Duration threshold = Durations.parse(value);
        if (threshold.isZero()) {
            throw new IllegalArgumentException("the threshold must be positive, got '" + value + "'");
        }
        return new Slo(latency, percentile, threshold);
    }

    private static Duration window(String value) {
        Duration d = Durations.parse(value);
        if (d.toNanosPart() != 0 || d.getSeconds() < 1 || d.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("the window must be whole seconds from 1s to 1h, got '" + value + "'");
        }
        return d;
    }
}
