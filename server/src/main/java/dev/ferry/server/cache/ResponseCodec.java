package dev.ferry.server.cache;

import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.TokenEvent;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a {@link CachedResponse} in Redis: a version byte, then varints for ids and counts,
 * length-prefixed UTF-8 for text, and raw floats for log-probabilities only when the answer has
 * them. A 64-token answer takes a few hundred bytes. A reader skips a version it does not know,
 * so instances of different releases can share one Redis.
 */
final class ResponseCodec {
    static final byte VERSION = 2;
    private static final int LOGPROBS = 1;

    private ResponseCodec() {
    }

    static byte[] encode(CachedResponse r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 8 * r.tokens().size());
        out.write(VERSION);
        out.write(r.logprobs() ? LOGPROBS : 0);
        out.write(r.reason() == FinishReason.STOP ? 0 : 1);
        writeVarint(out, r.promptTokens());
        writeVarint(out, r.completionTokens());
        writeVarint(out, r.reasoningTokens());
        writeVarint(out, r.tokens().size());
        for (TokenEvent t : r.tokens()) {
            writeVarint(out, t.tokenId());
            writeString(out, t.text());
            if (r.logprobs()) {
                writeFloat(out, t.logprob());
                writeVarint(out, t.topTokenIds().length);
                for (int i = 0; i < t.topTokenIds().length; i++) {
                    writeVarint(out, t.topTokenIds()[i]);
                    writeFloat(out, t.topLogprobs()[i]);
                }
            }
        }
        writeString(out, r.finishText());
        return out.toByteArray();
    }

    /** The answer, or null for bytes of another version; throws IllegalArgumentException for corrupt bytes. */
    static CachedResponse decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.get() != VERSION) {
                return null;
            }
            boolean logprobs = (in.get() & LOGPROBS) != 0;
            FinishReason reason = in.get() == 0 ? FinishReason.STOP : FinishReason.LENGTH;
            int promptTokens = readVarint(in);
            int completionTokens = readVarint(in);
            int reasoningTokens = readVarint(in);
            int n = readVarint(in);
            List<TokenEvent> tokens = new ArrayList<>(Math.min(n, in.remaining()));
            for (int k = 0; k < n; k++) {
                tokens.add(logprobs ? readWithLogprobs(in) : new TokenEvent(readVarint(in), readString(in), Float.NaN,
                        null, null));
            }
            CachedResponse r = new CachedResponse(tokens, logprobs, reason, readString(in), promptTokens,
                    completionTokens, reasoningTokens);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end");
            }
            return r;
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("cached response of " + bytes.length + " bytes is truncated", e);
        }
    }

    private static TokenEvent readWithLogprobs(ByteBuffer in) {
        int id = readVarint(in);
        String text = readString(in);
        float logprob = in.getFloat();
        int top = readVarint(in);
        if (top > in.remaining()) {
            throw new IllegalArgumentException("cached response claims " + top + " alternatives");
        }
        int[] ids = new int[top];
        float[] logprobs = new float[top];
        for (int i = 0; i < top; i++) {
            ids[i] = readVarint(in);
            logprobs[i] = in.getFloat();
        }
        return new TokenEvent(id, text, logprob, ids, logprobs);
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static int readVarint(ByteBuffer in) {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in.get();
            v |= (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("cached response has a malformed varint");
    }

    private static void writeFloat(ByteArrayOutputStream out, float f) {
        int bits = Float.floatToRawIntBits(f);
        out.write(bits >>> 24);
        out.write(bits >>> 16);
        out.write(bits >>> 8);
        out.write(bits);
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(out, b.length);
        out.write(b, 0, b.length);
    }

    private static String readString(ByteBuffer in) {
        int length = readVarint(in);
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("cached response has a string of " + length + " bytes past its end");
        }
        String s = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }
}
