package dev.ferry.server.admission;

import dev.ferry.server.api.RequestOutcome;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * {@code tenants.properties}: token budgets per tenant, {@code NAME.tokens-per-second} and
 * {@code NAME.burst} (prompt plus max_tokens); the tenant {@code default} sets the budget of every
 * tenant not listed. Errors name the file and the key.
 */
public final class TenantsFile {
    public static final String FILE = "tenants.properties";
    private static final String RATE = ".tokens-per-second";
    private static final String BURST = ".burst";

    private TenantsFile() {
    }

    public static TenantQuotas read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, TenantQuotas.Limits> limits = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.endsWith(RATE) && !key.endsWith(BURST)) {
                throw new IllegalArgumentException(file.getFileName() + ": key '" + key + "': expected NAME" + RATE
                        + " or NAME" + BURST);
            }
            String tenant = key.substring(0, key.lastIndexOf('.'));
            if (!limits.containsKey(tenant)) {
                double rate = number(p, file, tenant + RATE);
                double burst = p.containsKey(tenant + BURST) ? number(p, file, tenant + BURST) : rate;
                try {
                    limits.put(tenant, new TenantQuotas.Limits(rate, burst));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file.getFileName() + ": tenant '" + tenant + "': " + e.getMessage());
                }
            }
        }
        TenantQuotas.Limits defaults = limits.remove(RequestOutcome.DEFAULT_TENANT);
        return new TenantQuotas(defaults, limits);
    }

    private static double number(Properties p, Path file, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException(file.getFileName() + ": key '" + key + "' is missing");
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file.getFileName() + ": key '" + key + "': not a number: '" + v + "'");
        }
    }
}
