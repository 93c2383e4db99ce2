package dev.ferry.server.cache;

import dev.ferry.server.api.EmbeddingInput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * What makes two inputs' embeddings the same: the model's content hash, the dtype and device it
 * runs in, its pooling and normalization, the vector size asked for, and the exact input (text, or
 * token ids), as the SHA-256 of one canonical byte encoding.
 */
public final class EmbeddingKey {
    /** Bump the version when the encoding changes, so old entries in a shared Redis are never read. */
    static final String REDIS_PREFIX = "ferry:emb:v1:";

    private final Sha256Digest digest;

    private EmbeddingKey(Sha256Digest digest) {
        this.digest = digest;
    }

    /**
     * The part of the key one model and request share: each input's key hashes it, then the input.
     *
     * @param contentHash {@code ModelFolder.contentHash()}: a changed model never meets old vectors
     * @param dtype and {@code device} change the arithmetic, hence the last bits of the vectors
     */
    public record Scope(String contentHash, String dtype, String device, String pooling, boolean normalize,
                        int dimensions) {
        public EmbeddingKey of(EmbeddingInput input) {
            MessageDigest sha = Sha256Digest.start();
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
            return new EmbeddingKey(new Sha256Digest(sha.digest()));
        }
    }

    /** The key under which instances share this vector in Redis. */
    String redisKey() {
        return REDIS_PREFIX + digest.hex();
    }

    /** Bytes this key holds on the heap, for the in-process cache's weight. */
    int weightBytes() {
        return 16 + digest.weightBytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmbeddingKey k && digest.equals(k.digest);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return digest.toString();
    }
}
