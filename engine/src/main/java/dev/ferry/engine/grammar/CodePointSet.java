package dev.ferry.engine.grammar;

import java.util.Arrays;

/**
 * A set of Unicode scalar values as sorted, disjoint, non-adjacent inclusive ranges. Surrogates
 * (U+D800 to U+DFFF) are never members, so negation is relative to the scalar values, and two sets
 * with the same members are equal.
 */
final class CodePointSet {

    static final int MAX_CODE_POINT = 0x10FFFF;
    private static final int SURROGATE_FIRST = 0xD800;
    private static final int SURROGATE_LAST = 0xDFFF;

    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = EMPTY.negate();

    /** lo0, hi0, lo1, hi1, ...: sorted, disjoint, not touching, no surrogates. */
    private final int[] ranges;

    private CodePointSet(int[] ranges) {
        this.ranges = ranges;
    }

    /**
     * The union of the inclusive ranges {@code pairs[0]..pairs[1], pairs[2]..pairs[3], ...}, less
     * the surrogates; the ranges must each be in order and within U+0000 to U+10FFFF (the caller
     * checks, to name the part at fault).
     */
    static CodePointSet of(int... pairs) {
        int n = pairs.length / 2;
        long[] sorted = new long[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = ((long) pairs[2 * i] << 32) | pairs[2 * i + 1];
        }
        Arrays.sort(sorted);
        int[] merged = new int[2 * n + 2];
        int m = 0;
        for (long r : sorted) {
            int lo = (int) (r >>> 32);
            int hi = (int) r;
            if (m > 0 && lo <= merged[m - 1] + 1) {
                merged[m - 1] = Math.max(merged[m - 1], hi);
            } else {
                merged[m++] = lo;
                merged[m++] = hi;
            }
        }
        return new CodePointSet(withoutSurrogates(merged, m));
    }

    static CodePointSet single(int codePoint) {
        return of(codePoint, codePoint);
    }

    /** The members of {@code cls}; {@code where} names it in the error when a range is malformed. */
    static CodePointSet of(Expr.CharClass cls, String where) {
        int[] r = cls.ranges();
        if (r.length % 2 != 0) {
            throw new GrammarException(where + ": character class needs an even number of range bounds, has " + r.length);
        }
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] < 0 || r[i] > r[i + 1] || r[i + 1] > MAX_CODE_POINT) {
                throw new GrammarException(where + ": character class range " + describe(r[i]) + ".." + describe(r[i + 1])
                        + " is not an ordered range within U+0000..U+10FFFF");
            }
        }
        CodePointSet set = of(r);
        return cls.negated() ? set.negate() : set;
    }

    /** The members as an {@link Expr.CharClass}. */
    Expr.CharClass toCharClass() {
        return new Expr.CharClass(ranges.clone(), false);
    }

    static String describe(int codePoint) {
        return String.format("U+%04X", codePoint);
    }

    private static int[] withoutSurrogates(int[] merged, int length) {
        int[] out = new int[length + 2];
        int m = 0;
        for (int i = 0; i < length; i += 2) {
            int lo = merged[i];
            int hi = merged[i + 1];
            if (lo < SURROGATE_FIRST && hi >= SURROGATE_FIRST) {
                out[m++] = lo;
                out[m++] = SURROGATE_FIRST - 1;
                lo = SURROGATE_FIRST;
            }
            lo = lo >= SURROGATE_FIRST && lo <= SURROGATE_LAST ? SURROGATE_LAST + 1 : lo;
            if (lo <= hi) {
                out[m++] = lo;
                out[m++] = hi;
            }
        }
        return Arrays.copyOf(out, m);
    }

    /** Every scalar value not in this set. */
    CodePointSet negate() {
        int[] out = new int[ranges.length + 2];
        int m = 0;
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out[m++] = next;
                out[m++] = ranges[i] - 1;
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX_CODE_POINT) {
            out[m++] = next;
            out[m++] = MAX_CODE_POINT;
        }
        return new CodePointSet(withoutSurrogates(out, m));
    }

    CodePointSet union(CodePointSet other) {
        int[] both = Arrays.copyOf(ranges, ranges.length + other.ranges.length);
        System.arraycopy(other.ranges, 0, both, ranges.length, other.ranges.length);
        return of(both);
    }

    CodePointSet minus(CodePointSet other) {
        return other.union(negate()).negate();
    }

    boolean contains(int codePoint) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (codePoint >= ranges[i] && codePoint <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    /** Every member encodes to one UTF-8 byte. */
    boolean isAscii() {
        return isEmpty() || ranges[ranges.length - 1] < 0x80;
    }

    int rangeCount() {
        return ranges.length / 2;
    }

    int lo(int range) {
        return ranges[2 * range];
    }

    int hi(int range) {
        return ranges[2 * range + 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodePointSet s && Arrays.equals(ranges, s.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }
}
