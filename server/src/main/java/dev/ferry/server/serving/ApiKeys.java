package dev.ferry.server.serving;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-key checks shared by gRPC ({@code authorization} metadata) and HTTP (the Authorization
 * header). With no keys configured every call is allowed. API keys open inference and model
 * listing; admin keys open those and the admin calls (load, unload). With only admin keys
 * configured, inference stays open and admin calls need a key.
 */
public final class ApiKeys {
    private static final String BEARER = "Bearer ";

    private final List<byte[]> apiKeys;
    private final List<byte[]> adminKeys;

    public ApiKeys(List<String> apiKeys, List<String> adminKeys) {
        this.apiKeys = apiKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.adminKeys = adminKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of(), List.of());
    }

    /** Throws UNAUTHENTICATED for a missing or unknown key, PERMISSION_DENIED for a non-admin key on an admin call. */
    public void check(String authorization, boolean admin) {
        boolean open = admin ? adminKeys.isEmpty() && apiKeys.isEmpty() : apiKeys.isEmpty();
        if (open) {
            return;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ApiException.of(ApiStatus.UNAUTHENTICATED, "missing API key: send 'authorization: Bearer <key>'");
        }
        byte[] key = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        boolean isAdmin = matches(adminKeys, key);
        if (!isAdmin && !matches(apiKeys, key)) {
            throw ApiException.of(ApiStatus.UNAUTHENTICATED, "invalid API key");
        }
        if (admin && !isAdmin) {
            throw ApiException.of(ApiStatus.PERMISSION_DENIED, "this call needs an admin key");
        }
    }

    /** Compares against every key in constant time per key, so timing does not reveal a prefix. */
    private static boolean matches(List<byte[]> keys, byte[] key) {
        boolean found = false;
        for (byte[] k : keys) {
            found |= MessageDigest.isEqual(k, key);
        }
        return found;
    }
}
