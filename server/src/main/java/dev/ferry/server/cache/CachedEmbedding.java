package dev.ferry.server.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One cached vector and the length of the input it came from.
 *
 * @param inputTokens the input's tokens before any truncation, so that a hit is refused or cut
 *     exactly as the input itself would be, and counted in usage without tokenizing it again
 */
public record CachedEmbedding(float[] vector, int inputTokens) {

    /** Bytes it holds on the heap, for the in-process cache's weight. */
    int weightBytes() {
        return 16 + 16 + 4 * vector.length + 8;
    }

    /** For Redis: the token count, then the floats, little-endian. */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * vector.length).order(ByteOrder.LITTLE_ENDIAN).putInt(inputTokens);
        b.asFloatBuffer().put(vector);
        return b.array();
    }

    /** @throws IllegalArgumentException for bytes {@link #encode} did not write */
    static CachedEmbedding decode(byte[] bytes) {
        if (bytes.length < 8 || bytes.length % 4 != 0) {
            throw new IllegalArgumentException("a cached embedding of " + bytes.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int tokens = b.getInt();
        float[] vector = new float[b.remaining() / 4];
        b.asFloatBuffer().get(vector);
        return new CachedEmbedding(vector, tokens);
    }
}
