package dev.ferry.server.cache;

import dev.ferry.server.api.EmbeddingInput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What makes two inputs' embeddings the same: the model's content hash, the dtype and device it
 * runs in, its pooling and normalization, the vector size asked for, and the exact input (text, or
 * token ids), as the SHA-256 of one canonical byte encoding.
 */
public final class EmbeddingKey {
    /** Bump the version when the encoding changes, so old entries in a shared Redis are never read. */
    static final String REDIS_PREFIX = "ferry:emb:v1:";

    private final byte[] digest;
    private final int hash;

    private EmbeddingKey(byte[] digest) {
        this.digest = digest;
        this.hash = Arrays.hashCode(digest);
    }

    /**
     * The part of the key one model and request share, encoded once for all of the request's inputs.
     *
     * @param contentHash {@code ModelFolder.contentHash()}: a changed model never meets old vectors
     * @param dtype and {@code device} change the arithmetic, hence the last bits of the vectors
     */
    public record Scope(String contentHash, String dtype, String device, String pooling, boolean normalize,
                        int dimensions) {
        public EmbeddingKey of(EmbeddingInput input) {
            MessageDigest sha = sha256();
            sha.update((contentHash + '\n' + dtype + '\n' + device + '\n' + pooling + '\n' + normalize + '\n'
                    + dimensions + '\n').getBytes(StandardCharsets.UTF_8));
            if (input instanceof EmbeddingInput.Text t) {
                sha.update((byte) 't');
                sha.update(t.text().getBytes(StandardCharsets.UTF_8));
            } else {
                int[] ids = ((EmbeddingInput.Ids) input).ids();
                ByteBuffer b = ByteBuffer.allocate(1 + 4 * ids.length).put((byte) 'i');
                b.asIntBuffer().put(ids);
                sha.update(b.array());
            }
            return new EmbeddingKey(sha.digest());
        }
    }

    /** The key under which instances share this vector in Redis. */
    String redisKey() {
        return REDIS_PREFIX + HexFormat.of().formatHex(digest);
    }

    /** Bytes this key holds on the heap, for the in-process cache's weight. */
    int weightBytes() {
        return 16 + 16 + digest.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmbeddingKey k && Arrays.equals(digest, k.digest);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(digest, 0, 8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
