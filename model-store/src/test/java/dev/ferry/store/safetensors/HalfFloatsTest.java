package dev.ferry.store.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the 16-bit conversions against a reference that rounds with exact decimal arithmetic over
 * the table of every representable value, so rounding, subnormals and overflow are checked
 * independently of the bit tricks in {@link HalfFloats}.
 */
class HalfFloatsTest {
    // Every non-negative finite value of each format, indexed by its bit pattern (ascending).
    private static final double[] HALF_GRID = grid(0x7c00, 10, -24, -25);
    private static final double[] BF16_GRID = grid(0x7f80, 7, -133, -134);
    private static final double HALF_OVERFLOW = 65536.0; // where 0x7c00 would sit if the exponent went on
    private static final double BF16_OVERFLOW = 0x1p128;

    /** value(bits) = mant * 2^subScale for exponent 0, (2^m + mant) * 2^(exp + normScale) otherwise. */
    private static double[] grid(int count, int m, int subScale, int normScale) {
        double[] g = new double[count];
        for (int bits = 0; bits < count; bits++) {
            int exp = bits >>> m;
            int mant = bits & ((1 << m) - 1);
            g[bits] = exp == 0 ? Math.scalb((double) mant, subScale) : Math.scalb((double) ((1 << m) + mant), exp + normScale);
        }
        return g;
    }

    /** The bit pattern IEEE round-to-nearest-even gives for f, computed by exact comparison on the grid. */
    private static int reference(float f, double[] grid, double overflow, int signBit) {
        int sign = Float.floatToRawIntBits(f) < 0 ? signBit : 0;
        double x = Math.abs((double) f);
        if (x >= overflow) {
            return sign | grid.length; // the infinity pattern follows the largest finite one
        }
        int i = Arrays.binarySearch(grid, x);
        if (i >= 0) {
            return sign | i;
        }
        int lo = -i - 2;
        double next = lo + 1 < grid.length ? grid[lo + 1] : overflow;
        BigDecimal exact = new BigDecimal(x);
        int cmp = exact.subtract(new BigDecimal(grid[lo])).compareTo(new BigDecimal(next).subtract(exact));
        int pick = cmp < 0 ? lo : cmp > 0 ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
        return sign | pick;
    }

    /** Edge cases, every grid value, every midpoint between neighbours and the floats either side, and random floats. */
    private static List<Float> samples(double[] grid, double overflow) {
        List<Float> s = new ArrayList<>(List.of(0f, -0f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, 65504f, 65519.996f, 65520f, 0x1p-24f,
                0x1p-25f, Math.nextUp(0x1p-25f), 0x1.8p-24f, 0x1p-14f, 1f + 0x1p-8f, 1f + 0x3p-8f));
        for (int i = 0; i < grid.length; i++) {
            double next = i + 1 < grid.length ? grid[i + 1] : overflow;
            float mid = (float) ((grid[i] + next) / 2); // exact: midpoints need one bit more than the format
            for (float f : new float[] {(float) grid[i], mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                s.add(f);
                s.add(-f);
            }
        }
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (!Float.isNaN(f)) {
                s.add(f);
            }
            s.add((float) Math.scalb(r.nextDouble(-2, 2), r.nextInt(-27, 17))); // dense around the half range
        }
        return s;
    }

    @Test
    void floatToHalfRoundsToNearestEvenLikeExactArithmetic() {
        for (float f : samples(HALF_GRID, HALF_OVERFLOW)) {
            int expected = reference(f, HALF_GRID, HALF_OVERFLOW, 0x8000);
            assertEquals(expected, HalfFloats.floatToHalf(f) & 0xffff, () -> "floatToHalf(" + f + ")");
        }
    }

    @Test
    void floatToBf16RoundsToNearestEvenLikeExactArithmetic() {
        for (float f : samples(BF16_GRID, BF16_OVERFLOW)) {
            int expected = reference(f, BF16_GRID, BF16_OVERFLOW, 0x8000);
            assertEquals(expected, HalfFloats.floatToBf16(f) & 0xffff, () -> "floatToBf16(" + f + ")");
        }
    }

    @Test
    void pinnedEdgeCases() {
        assertEquals(0x0000, HalfFloats.floatToHalf(0f) & 0xffff);
        assertEquals(0x8000, HalfFloats.floatToHalf(-0f) & 0xffff);
        assertEquals(0x0001, HalfFloats.floatToHalf(0x1p-24f)); // smallest subnormal
        assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-25f)); // tie between 0 and 2^-24: to even (0)
        assertEquals(0x0002, HalfFloats.floatToHalf(0x1.8p-24f)); // tie between 1 and 2 ulps: to even (2)
        assertEquals(0x03ff, HalfFloats.floatToHalf(0x1.ff8p-15f)); // largest subnormal
        assertEquals(0x0400, HalfFloats.floatToHalf(0x1p-14f)); // smallest normal
        assertEquals(0x7bff, HalfFloats.floatToHalf(65504f)); // max
        assertEquals(0x7c00, HalfFloats.floatToHalf(65520f)); // tie between max and 2^16 goes to even: inf
        assertEquals(0x3c00, HalfFloats.floatToHalf(1f + 0x1p-11f)); // tie: 1.0 is even
        assertEquals(0x3c02, HalfFloats.floatToHalf(1f + 0x3p-11f)); // tie: 1 + 2^-9 is even
        assertEquals(0xfc00, HalfFloats.floatToHalf(Float.NEGATIVE_INFINITY) & 0xffff);
        assertEquals(0x3f80, HalfFloats.floatToBf16(1f + 0x1p-8f)); // tie: to even
        assertEquals(0x3f82, HalfFloats.floatToBf16(1f + 0x3p-8f));
        assertEquals(0x7f80, HalfFloats.floatToBf16(Float.MAX_VALUE)); // rounds past the largest bf16
        assertEquals(0x0001, HalfFloats.floatToBf16(Float.MIN_VALUE * 65536)); // bf16 keeps float's subnormals
    }

    @Test
    void nanStaysNanWithItsSign() {
        for (int bits : new int[] {0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff}) {
            float nan = Float.intBitsToFloat(bits);
            int h = HalfFloats.floatToHalf(nan) & 0xffff;
            int b = HalfFloats.floatToBf16(nan) & 0xffff;
            assertTrue((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0, () -> Integer.toHexString(bits) + " -> half " + h);
            assertTrue((b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0, () -> Integer.toHexString(bits) + " -> bf16 " + b);
            assertEquals(bits < 0, (h & 0x8000) != 0);
            assertEquals(bits < 0, (b & 0x8000) != 0);
            assertTrue(Float.isNaN(HalfFloats.halfToFloat((short) h)) && Float.isNaN(HalfFloats.bf16ToFloat((short) b)));
        }
    }

    @Test
    void wideningIsExactForEveryBitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits & 0x8000;
            int magnitude = bits & 0x7fff;
            float half = HalfFloats.halfToFloat((short) bits);
            float bf16 = HalfFloats.bf16ToFloat((short) bits);
            if (magnitude < 0x7c00) {
                float expected = (float) HALF_GRID[magnitude];
                assertEquals(Float.floatToRawIntBits(sign != 0 ? -expected : expected), Float.floatToRawIntBits(half));
                assertEquals(bits, HalfFloats.floatToHalf(half) & 0xffff); // and narrowing gives it back
            } else {
                assertEquals(magnitude == 0x7c00, Float.isInfinite(half));
                assertEquals(magnitude != 0x7c00, Float.isNaN(half));
            }
            if (magnitude < 0x7f80) {
                float expected = (float) BF16_GRID[magnitude];
                assertEquals(Float.floatToRawIntBits(sign != 0 ? -expected : expected), Float.floatToRawIntBits(bf16));
                assertEquals(bits, HalfFloats.floatToBf16(bf16) & 0xffff);
            } else {
                assertEquals(magnitude == 0x7f80, Float.isInfinite(bf16));
            }
        }
    }
}
