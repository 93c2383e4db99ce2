package dev.ferry.server.cache;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A cache key's SHA-256, as the response and embedding keys hold it: equal by content, hashed once,
 * shown by its first 8 bytes.
 */
final class Sha256Digest {
    private final byte[] bytes;
    private final int hash;

    Sha256Digest(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** A fresh SHA-256 to feed a key's canonical bytes into. */
    static MessageDigest start() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Bytes the key holds on the heap (object headers and the array), for an in-process cache's weight. */
    int weightBytes() {
        return 16 + 16 + bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256Digest d && Arrays.equals(bytes, d.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes, 0, 8);
    }
}
