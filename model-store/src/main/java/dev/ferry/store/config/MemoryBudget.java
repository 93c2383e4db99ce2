package dev.ferry.store.config;

import java.util.Locale;

/**
 * How much memory the KV cache may take: an absolute size ("512MiB", "2GB", "1073741824") or a
 * fraction of what is available on the device ("0.5").
 */
public record MemoryBudget(long bytes, double fraction) {

    public static MemoryBudget ofBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("memory size must be positive, got " + bytes);
        }
        return new MemoryBudget(bytes, 0);
    }

    public static MemoryBudget ofFraction(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("memory fraction must be in (0, 1], got " + fraction);
        }
        return new MemoryBudget(0, fraction);
    }

    public boolean isFraction() {
        return fraction > 0;
    }

    /** Resolves against the memory available for the cache on the device. */
    public long resolve(long availableBytes) {
        return isFraction() ? (long) (availableBytes * fraction) : bytes;
    }

    public static MemoryBudget parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        try {
            if (s.contains(".") && !s.matches(".*[a-z]$")) {
                return ofFraction(Double.parseDouble(s));
            }
            long unit = 1;
            String[][] units = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"tib", "1099511627776"},
                    {"kb", "1000"}, {"mb", "1000000"}, {"gb", "1000000000"}, {"tb", "1000000000000"},
                    {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
            for (String[] u : units) {
                if (s.endsWith(u[0])) {
                    unit = Long.parseLong(u[1]);
                    s = s.substring(0, s.length() - u[0].length()).trim();
                    break;
                }
            }
            return ofBytes(Math.round(Double.parseDouble(s) * unit));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is neither a size (like 512MiB or 2GB) nor a fraction (like 0.5)");
        }
    }

    @Override
    public String toString() {
        return isFraction() ? String.valueOf(fraction) : bytes + " bytes";
    }
}
