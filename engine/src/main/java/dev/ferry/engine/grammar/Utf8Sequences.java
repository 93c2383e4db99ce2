package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * The UTF-8 encodings of a set of code points as byte-range sequences: each sequence is one range
 * per byte ({@code lo0, hi0, lo1, hi1, ...}), and the code points of the set are exactly the byte
 * strings that some sequence matches byte by byte. This is how a character class becomes byte-level
 * rules and automaton edges.
 */
final class Utf8Sequences {

    private static final int[] LENGTH_LIMITS = {0x7F, 0x7FF, 0xFFFF};

    private Utf8Sequences() {}

    static List<int[]> of(CodePointSet set) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < set.rangeCount(); r++) {
            split(set.lo(r), set.hi(r), out);
        }
        return out;
    }

    /**
     * Splits {@code lo..hi} until each piece encodes to sequences whose bytes vary independently:
     * first where the encoded length changes, then where a trailing continuation byte does not run
     * over its whole 0x80..0xBF span.
     */
    private static void split(int lo, int hi, List<int[]> out) {
        for (int limit : LENGTH_LIMITS) {
            if (lo <= limit && hi > limit) {
                split(lo, limit, out);
                split(limit + 1, hi, out);
                return;
            }
        }
        int length = encodedLength(lo);
        for (int i = 1; i < length; i++) {
            int low = (1 << (6 * i)) - 1;     // the bits the last i bytes carry
            if ((lo & ~low) != (hi & ~low)) {
                if ((lo & low) != 0) {
                    split(lo, lo | low, out);
                    split((lo | low) + 1, hi, out);
                    return;
                }
                if ((hi & low) != low) {
                    split(lo, (hi & ~low) - 1, out);
                    split(hi & ~low, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo);
        byte[] b = encode(hi);
        int[] seq = new int[2 * length];
        for (int i = 0; i < length; i++) {
            seq[2 * i] = a[i] & 0xFF;
            seq[2 * i + 1] = b[i] & 0xFF;
        }
        out.add(seq);
    }

    static int encodedLength(int codePoint) {
        return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    }

    /** The UTF-8 bytes of one code point; surrogates encode as their three-byte form. */
    static byte[] encode(int cp) {
        switch (encodedLength(cp)) {
            case 1:
                return new byte[] {(byte) cp};
            case 2:
                return new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
            case 3:
                return new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
            default:
                return new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F),
                        (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        }
    }
}
