package dev.ferry.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --key value} and {@code --flag} arguments of the benchmark mains. */
final class Args {
    private Args() {}

    static Map<String, String> parse(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + argv[i] + "'");
            }
            String key = argv[i].substring(2);
            boolean hasValue = i + 1 < argv.length && !argv[i + 1].startsWith("--");
            out.put(key, hasValue ? argv[++i] : "true");
        }
        return out;
    }
}
