package dev.ferry.server.routing;

import dev.ferry.server.routing.RouteConfig.Policy;
import dev.ferry.store.config.PropertiesFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes of a model store, read from its {@code routes.properties}: keys
 * {@code route.<name>.<setting>}, settings {@code candidates}, {@code policy}, {@code allow-fallback},
 * {@code bias}, {@code complexity.prompt-tokens}, {@code complexity.max-tokens}, and for shadow
 * evaluation {@code shadow-rate}, {@code shadow-tokens} and {@code shadow-queue}. Unknown keys and
 * settings that would have no effect are errors naming the key, so a typo never silently routes by
 * defaults.
 */
public record Routes(Map<String, RouteConfig> byName) {
    public static final String FILE = "routes.properties";
    public static final Routes NONE = new Routes(Map.of());

    private static final Pattern KEY = Pattern.compile("route\\.([A-Za-z0-9][A-Za-z0-9_-]*)\\.(.+)");
    private static final Set<String> SETTINGS = Set.of("candidates", "policy", "allow-fallback", "bias",
            "complexity.prompt-tokens", "complexity.max-tokens", "shadow-rate", "shadow-tokens", "shadow-queue");

    public Routes {
        byName = Map.copyOf(byName);
    }

    /** The routes of {@code file}; none when it does not exist. */
    public static Routes read(Path file) {
        return Files.isRegularFile(file) ? parse(PropertiesFiles.read(file)) : NONE;
    }

    public static Routes parse(Properties p) {
        Map<String, Map<String, String>> settings = new TreeMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            Matcher m = KEY.matcher(key);
            if (!m.matches() || !SETTINGS.contains(m.group(2))) {
                throw error(key, "unknown key (expected route.<name>.<setting>, settings: "
                        + String.join(", ", new TreeSet<>(SETTINGS)) + ")");
            }
            settings.computeIfAbsent(m.group(1), n -> new LinkedHashMap<>()).put(m.group(2), p.getProperty(key).trim());
        }
        Map<String, RouteConfig> routes = new LinkedHashMap<>();
        settings.forEach((name, s) -> routes.put(name, route(name, s)));
        return new Routes(routes);
    }

    public RouteConfig get(String name) {
        return byName.get(name);
    }

    private static RouteConfig route(String name, Map<String, String> s) {
        String prefix = "route." + name + ".";
        List<String> candidates = candidates(prefix + "candidates", s.get("candidates"));
        Policy policy = policy(prefix + "policy", s.getOrDefault("policy", "fallback"));
        if (policy != Policy.COMPLEXITY) {
            for (String key : List.of("complexity.prompt-tokens", "complexity.max-tokens", "bias", "shadow-rate",
                    "shadow-tokens", "shadow-queue")) {
                if (s.containsKey(key)) {
                    throw error(prefix + key, "only applies to policy complexity, and this route's policy is "
                            + policy.name().toLowerCase(Locale.ROOT));
                }
            }
        }
        return new RouteConfig(name, candidates, policy,
                positive(prefix + "complexity.prompt-tokens", s.get("complexity.prompt-tokens"),
                        RouteConfig.DEFAULT_PROMPT_TOKENS),
                positive(prefix + "complexity.max-tokens", s.get("complexity.max-tokens"), RouteConfig.DEFAULT_MAX_TOKENS),
                bool(prefix + "allow-fallback", s.getOrDefault("allow-fallback", "true")),
                bias(prefix + "bias", s.getOrDefault("bias", "0")),
                new RouteConfig.Shadow(rate(prefix + "shadow-rate", s.getOrDefault("shadow-rate", "0")),
                        positive(prefix + "shadow-tokens", s.get("shadow-tokens"), RouteConfig.Shadow.OFF.tokens()),
                        positive(prefix + "shadow-queue", s.get("shadow-queue"), RouteConfig.Shadow.OFF.queue())));
    }

    private static double rate(String key, String value) {
        try {
            double r = Double.parseDouble(value);
            if (r >= 0 && r <= 1) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(key, "must be a fraction in [0, 1] (of the small tier's requests the large tier scores), got '"
                + value + "'");
    }

    private static List<String> candidates(String key, String value) {
        if (value == null) {
            throw error(key, "is required: the models (names or aliases) this route may send requests to");
        }
        List<String> out = new ArrayList<>();
        for (String c : value.split(",")) {
            String name = c.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (out.contains(name)) {
                throw error(key, "names " + name + " twice");
            }
            out.add(name);
        }
        if (out.isEmpty()) {
            throw error(key, "names no model");
        }
        return out;
    }

    private static Policy policy(String key, String value) {
        try {
            return Policy.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw error(key, "'" + value + "' is not a policy (expected complexity or fallback)");
        }
    }

    private static int positive(String key, String value, int absent) {
        if (value == null) {
            return absent;
        }
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(key, "must be a positive integer, got '" + value + "'");
    }

    private static boolean bool(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(key, "must be true or false, got '" + value + "'");
        };
    }

    private static double bias(String key, String value) {
        try {
            double b = Double.parseDouble(value);
            if (b >= -1 && b <= 1) {
                return b;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(key, "must be a number in [-1, 1] (negative favours the small tier, positive the large), got '"
                + value + "'");
    }

    private static IllegalArgumentException error(String key, String what) {
        return new IllegalArgumentException(FILE + ": key '" + key + "': " + what);
    }
}
