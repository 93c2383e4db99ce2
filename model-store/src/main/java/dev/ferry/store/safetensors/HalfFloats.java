package dev.ferry.store.safetensors;

/**
 * Bit conversions between float32 and the two 16-bit float formats in checkpoints: IEEE binary16
 * (F16) and bfloat16 (BF16). Narrowing rounds to nearest, ties to even, as PyTorch's {@code .to()}
 * does; Java 17 has no {@code Float.floatToFloat16}, so the rounding is done here on the bits.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** float32 → binary16 bits; overflow gives ±infinity, NaN stays a (quiet) NaN with its sign. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7f_ffff;
        if (exp == 0xff) { // infinity, or NaN: keep the top payload bits and force the quiet bit
            return (short) (sign | 0x7c00 | (mant == 0 ? 0 : 0x200 | (mant >>> 13)));
        }
        int e = exp - 127 + 15; // binary16 biased exponent
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            // binary16 subnormal: the value is m * 2^-24, m = significand (with hidden bit) >> (14 - e).
            // Below 2^-25 (e < -10, float subnormals included) everything rounds to zero.
            if (e < -10) {
                return (short) sign;
            }
            return (short) (sign | roundShift(mant | 0x80_0000, 14 - e));
        }
        // Normal: drop 13 bits; a carry out of the significand correctly bumps the exponent (to inf at most).
        return (short) (sign | roundShift((e << 23) | mant, 13));
    }

    /** binary16 bits → float32 (exact: every binary16 value is a float32). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mant << 13));
        }
        if (exp == 0) { // zero or subnormal: mant * 2^-24, exact in float32
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 127 - 15) << 23) | (mant << 13));
    }

    /** float32 → bfloat16 bits (the high half of the float, rounded); NaN stays a quiet NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** bfloat16 bits → float32 (exact). */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** {@code value >> shift}, rounded to nearest with ties to even. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
