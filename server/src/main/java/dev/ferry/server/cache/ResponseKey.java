package dev.ferry.server.cache;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What makes two requests' answers the same: the model's content hash, the dtype and device it runs
 * in, the prompt ids and every generation field, as the SHA-256 of one canonical byte encoding.
 * Request id, priority and deadline are left out: they change when an answer arrives, not what it is.
 */
public final class ResponseKey {
    /** Bump the version when the encoding changes, so old entries in a shared Redis are never read. */
    static final String REDIS_PREFIX = "ferry:rc:v2:";

    private final Sha256Digest digest;

    private ResponseKey(Sha256Digest digest) {
        this.digest = digest;
    }

    /**
     * The key of {@code request} on a model.
     *
     * @param contentHash {@code ModelFolder.contentHash()}: a changed model never meets old answers
     * @param dtype and {@code device} change the arithmetic, hence possibly the tokens
     */
    public static ResponseKey of(String contentHash, String dtype, String device, GenerateRequest request) {
        return new ResponseKey(new Sha256Digest(Sha256Digest.start().digest(canonical(contentHash, dtype, device,
                request))));
    }

    static byte[] canonical(String contentHash, String dtype, String device, GenerateRequest r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 4 * r.promptIds().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, contentHash);
            writeString(out, dtype);
            writeString(out, device);
            writeInts(out, r.promptIds());
            out.writeInt(r.maxTokens());
            SamplingParams s = r.sampling();
            writeDouble(out, s.temperature());
            out.writeInt(s.topK());
            writeDouble(out, s.topP());
            writeDouble(out, s.minP());
            writeDouble(out, s.repetitionPenalty());
            writeDouble(out, s.presencePenalty());
            writeDouble(out, s.frequencyPenalty());
            // greedy decoding never draws from the seed, and the server makes one up when the client gave none
            out.writeLong(s.isGreedy() ? 0 : s.seed());
            out.writeInt(s.logprobs());
            // which stop matches first depends on the text, not on the order the client listed the stops in
            List<String> stops = r.stop().stream().distinct().sorted().toList();
            out.writeInt(stops.size());
            for (String stop : stops) {
                writeString(out, stop);
            }
            writeInts(out, r.stopTokenIds().stream().mapToInt(Integer::intValue).distinct().sorted().toArray());
            out.writeBoolean(r.ignoreEos());
            // the format as the client gave it: the same text compiles to the same constraint
            writeString(out, r.constraint() == null ? "" : r.constraint().format().toString());
            // the thinking budget decides where the engine closes the thinking (-1: the model does not think)
            out.writeInt(r.thinking() == null ? -1 : r.thinking().budget());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The key under which instances share this answer in Redis. */
    public String redisKey() {
        return REDIS_PREFIX + digest.hex();
    }

    /** Bytes this key holds on the heap, for the in-process cache's weight. */
    int weightBytes() {
        return 16 + digest.weightBytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseKey k && digest.equals(k.digest);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return digest.toString();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void writeInts(DataOutputStream out, int[] values) throws IOException {
        out.writeInt(values.length);
        for (int v : values) {
            out.writeInt(v);
        }
    }

    /** -0.0 and 0.0 sample alike, so they encode alike. */
    private static void writeDouble(DataOutputStream out, double v) throws IOException {
        out.writeDouble(v == 0 ? 0.0 : v);
    }
}
