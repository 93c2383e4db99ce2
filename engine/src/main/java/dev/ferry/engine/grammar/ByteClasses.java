package dev.ferry.engine.grammar;

import java.util.Arrays;

/**
 * The partition of the 256 byte values by membership in a family of byte sets: two bytes in one
 * class belong to exactly the same sets, so every automaton or parse step treats them alike, and
 * tables indexed by class are much smaller than tables indexed by byte.
 */
final class ByteClasses {

    private final int[] classOf;
    private final int count;

    private ByteClasses(int[] classOf, int count) {
        this.classOf = classOf;
        this.count = count;
    }

    /** @param setWords four words per set, as {@link ByteSetTable#words()} */
    static ByteClasses of(long[] setWords) {
        int[] classOf = new int[256];
        int count = 1;
        int[] inside = new int[256];
        int[] outside = new int[256];
        for (int s = 0; s < setWords.length; s += 4) {
            Arrays.fill(inside, 0, count, -1);
            Arrays.fill(outside, 0, count, -1);
            int next = 0;
            for (int b = 0; b < 256; b++) {
                int[] split = (setWords[s + (b >>> 6)] & (1L << b)) != 0 ? inside : outside;
                if (split[classOf[b]] < 0) {
                    split[classOf[b]] = next++;
                }
                classOf[b] = split[classOf[b]];
            }
            count = next;
        }
        return new ByteClasses(classOf, count);
    }

    int classOf(int b) {
        return classOf[b];
    }

    int count() {
        return count;
    }

    /** The lowest byte of class {@code c}: it stands for the whole class. */
    int representative(int c) {
        for (int b = 0; b < 256; b++) {
            if (classOf[b] == c) {
                return b;
            }
        }
        throw new IllegalArgumentException("no byte class " + c);
    }

    /** The class of each byte, for lookups in a hot loop. */
    int[] table() {
        return classOf.clone();
    }
}
