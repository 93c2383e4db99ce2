package dev.ferry.server.serving;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-key checks shared by gRPC ({@code authorization} metadata) and HTTP (the Authorization
 * header). With no keys configured every call is allowed. API keys open inference and model
 * listing; admin keys open those and the admin calls (load, unload). With only admin keys
 * configured, inference stays open and admin calls need a key. A key may be given as
 * {@code KEY=TENANT}: requests bearing it are accounted to that tenant, whatever they claim.
 */
public final class ApiKeys {
    private static final String BEARER = "Bearer ";

    private record Key(byte[] secret, String tenant) {
        static Key parse(String spec) {
            int eq = spec.lastIndexOf('=');
            return eq > 0 && eq < spec.length() - 1
                    ? new Key(spec.substring(0, eq).getBytes(StandardCharsets.UTF_8), spec.substring(eq + 1))
                    : new Key(spec.getBytes(StandardCharsets.UTF_8), null);
        }
    }

    private final List<Key> apiKeys;
    private final List<Key> adminKeys;

    /** Each entry is {@code KEY} or {@code KEY=TENANT}. */
    public ApiKeys(List<String> apiKeys, List<String> adminKeys) {
        this.apiKeys = apiKeys.stream().map(Key::parse).toList();
        this.adminKeys = adminKeys.stream().map(Key::parse).toList();
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of(), List.of());
    }

    /**
     * Throws UNAUTHENTICATED for a missing or unknown key, PERMISSION_DENIED for a non-admin key on
     * an admin call; returns the tenant the key is bound to, or null.
     */
    public String check(String authorization, boolean admin) {
        boolean open = admin ? adminKeys.isEmpty() && apiKeys.isEmpty() : apiKeys.isEmpty();
        if (open) {
            return null;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ApiException.of(ApiStatus.UNAUTHENTICATED, "missing API key: send 'authorization: Bearer <key>'");
        }
        byte[] key = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        Key adminKey = find(adminKeys, key);
        Key apiKey = adminKey != null ? adminKey : find(apiKeys, key);
        if (apiKey == null) {
            throw ApiException.of(ApiStatus.UNAUTHENTICATED, "invalid API key");
        }
        if (admin && adminKey == null) {
            throw ApiException.of(ApiStatus.PERMISSION_DENIED, "this call needs an admin key");
        }
        return apiKey.tenant();
    }

    /** Compares against every key, each in constant time, so timing does not reveal a prefix. */
    private static Key find(List<Key> keys, byte[] key) {
        Key found = null;
        for (Key k : keys) {
            if (MessageDigest.isEqual(k.secret(), key)) {
                found = k;
            }
        }
        return found;
    }
}
