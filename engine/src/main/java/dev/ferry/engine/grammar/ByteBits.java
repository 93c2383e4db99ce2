package dev.ferry.engine.grammar;

/** Sets of byte values as four 64-bit words: bit {@code b & 63} of word {@code b >>> 6} holds byte {@code b}. */
final class ByteBits {

    private ByteBits() {}

    static long[] range(int lo, int hi) {
        long[] bits = new long[4];
        for (int b = lo; b <= hi; b++) {
            bits[b >>> 6] |= 1L << b;
        }
        return bits;
    }

    /** The one-byte members of {@code set} (every member when the set is ASCII), as bytes. */
    static long[] ofAscii(CodePointSet set) {
        long[] bits = new long[4];
        for (int r = 0; r < set.rangeCount() && set.lo(r) < 0x80; r++) {
            for (int b = set.lo(r); b <= Math.min(set.hi(r), 0x7F); b++) {
                bits[b >>> 6] |= 1L << b;
            }
        }
        return bits;
    }
}
