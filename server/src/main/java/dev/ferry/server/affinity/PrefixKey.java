package dev.ferry.server.affinity;

import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The routing key for prefix affinity, and how a client sends it. Requests whose prompts share
 * their first KV block get the same key, so a balancer hashing on the {@link #HEADER} sends them
 * to the same instance, whose prefix cache then holds that block. The function is deliberately
 * plain (SHA-256 of text) so any client that has the token ids can compute it without Ferry:
 *
 * <pre>printf 'demo\n1,15043,3186' | sha256sum | cut -c1-16</pre>
 */
public final class PrefixKey {
    /** The HTTP header and gRPC metadata key a balancer hashes on (lower case, as HTTP/2 requires). */
    public static final String HEADER = "x-ferry-prefix-key";

    private static final Metadata.Key<String> METADATA = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

    private PrefixKey() {
    }

    /**
     * 16 hex digits: the first 64 bits of SHA-256 over {@code "<model>\n<id>,<id>,..."}, the model
     * name followed by the first {@link #keyTokens} prompt ids in decimal.
     *
     * @param model the name of the model that serves the request (not an alias)
     * @param blockSize the model's KV block size (tokens per cached block)
     */
    public static String of(String model, int[] promptIds, int blockSize) {
        int n = keyTokens(promptIds.length, blockSize);
        StringBuilder text = new StringBuilder(model.length() + 1 + 6 * n).append(model).append('\n');
        for (int i = 0; i < n; i++) {
            text.append(i == 0 ? "" : ",").append(promptIds[i]);
        }
        return HexFormat.of().formatHex(sha256(text.toString().getBytes(StandardCharsets.UTF_8)), 0, 8);
    }

    /** The prompt tokens a key covers: one block, or the whole prompt when it is shorter. */
    public static int keyTokens(int promptTokens, int blockSize) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("block size must be positive, got " + blockSize);
        }
        return Math.min(promptTokens, blockSize);
    }

    /** {@code stub} sending {@code key} as {@link #HEADER} metadata with every call. */
    public static <S extends AbstractStub<S>> S attach(S stub, String key) {
        Metadata headers = new Metadata();
        headers.put(METADATA, key);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
