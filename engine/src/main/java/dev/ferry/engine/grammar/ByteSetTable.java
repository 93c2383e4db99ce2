package dev.ferry.engine.grammar;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Numbers distinct byte sets (four words each, see {@link ByteBits}), so that equal sets share one id. */
final class ByteSetTable {

    private final Map<Key, Integer> ids = new HashMap<>();
    private long[] words = new long[64];

    int idOf(long[] bits) {
        Key key = new Key(bits[0], bits[1], bits[2], bits[3]);
        Integer id = ids.get(key);
        if (id != null) {
            return id;
        }
        int next = ids.size();
        if (4 * next + 4 > words.length) {
            words = Arrays.copyOf(words, 2 * words.length);
        }
        System.arraycopy(bits, 0, words, 4 * next, 4);
        ids.put(key, next);
        return next;
    }

    /** Set {@code id} is words {@code 4 * id .. 4 * id + 3}. */
    long[] words() {
        return Arrays.copyOf(words, 4 * ids.size());
    }

    private record Key(long w0, long w1, long w2, long w3) {}
}
