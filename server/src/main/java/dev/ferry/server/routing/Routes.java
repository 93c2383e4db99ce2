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
import java.util.stream.Stream;

/**
 * The routes of a model store, read from its {@code routes.properties}: keys
 * {@code route.<name>.<setting>}, settings {@code candidates}, {@code policy}, {@code allow-fallback},
 * {@code bias}, {@code complexity.prompt-tokens}, {@code complexity.max-tokens}, for shadow evaluation
 * {@code shadow-rate}, {@code shadow-tokens} and {@code shadow-queue}, and the learned scorer's
 * {@code target-agreement}, {@code min-shadows} and {@code small-cost}. Unknown keys and
 * settings that would have no effect are errors naming the key, so a typo never silently routes by
 * defaults.
 */
public record Routes(Map<String, RouteConfig> byName) {
    public static final String FILE = "routes.properties";
    public static final Routes NONE = new Routes(Map.of());

    private static final Pattern KEY = Pattern.compile("route\\.([A-Za-z0-9][A-Za-z0-9_-]*)\\.(.+)");
    /** The settings that only a complexity route reads. */
    private static final List<String> COMPLEXITY_SETTINGS = List.of("complexity.prompt-tokens", "complexity.max-tokens",
            "bias", "shadow-rate", "shadow-tokens", "shadow-queue", "target-agreement", "min-shadows", "small-cost");
    private static final Set<String> SETTINGS = Set.copyOf(Stream.concat(
            Stream.of("candidates", "policy", "allow-fallback"), COMPLEXITY_SETTINGS.stream()).toList());

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
            for (String key : COMPLEXITY_SETTINGS) {
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
                        positive(prefix + "shadow-queue", s.get("shadow-queue"), RouteConfig.Shadow.OFF.queue())),
                learning(prefix, s));
    }

    private static RouteConfig.Learning learning(String prefix, Map<String, String> s) {
        RouteConfig.Learning d = RouteConfig.Learning.DEFAULTS;
        int minShadows = positive(prefix + "min-shadows", s.get("min-shadows"), d.minShadows());
        if (minShadows > LearnedScorer.WINDOW) {
            throw error(prefix + "min-shadows", "must be at most " + LearnedScorer.WINDOW
                    + " (the recent shadows a route keeps to train on), got " + minShadows);
        }
        Double smallCost = !s.containsKey("small-cost") ? d.smallCost() : Double.valueOf(fraction(prefix + "small-cost",
                s.get("small-cost"), 0, "a small-tier request's cost as a fraction of a large-tier one"));
        return new RouteConfig.Learning(
                fraction(prefix + "target-agreement", s.get("target-agreement"), d.targetAgreement(),
                        "the least agreement with the large tier that small-served traffic must keep"),
                minShadows, smallCost);
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

    /** A number in (0, 1]. */
    private static double fraction(String key, String value, double absent, String meaning) {
        if (value == null) {
            return absent;
        }
        try {
            double f = Double.parseDouble(value);
            if (f > 0 && f <= 1) {
                return f;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(key, "must be a number in (0, 1] (" + meaning + "), got '" + value + "'");
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
