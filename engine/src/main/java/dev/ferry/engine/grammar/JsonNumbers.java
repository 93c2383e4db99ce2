package dev.ferry.engine.grammar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Regular expressions for the JSON numbers (RFC 8259 section 6) between two bounds, exactly:
 * every number the pattern matches lies within the bounds, and every number within them that has
 * at most {@link #MAX_INTEGER_DIGITS} integer digits ({@link #MAX_INTEGER_TYPE_DIGITS} for the
 * integer type; or as many as a bound has) and at most {@link #MAX_FRACTION_DIGITS} fraction digits
 * is matched. The digit caps keep generation finite.
 * Bounded numbers have no exponent; an unbounded number may have one of up to two digits.
 *
 * <p>A number is split by sign into magnitudes, and a magnitude interval into its integer parts:
 * all integer parts strictly inside take any fraction, the two at the ends take the fractions
 * their bound leaves, each a fixed-width digit range per fraction length.
 */
final class JsonNumbers {
    static final int MAX_INTEGER_DIGITS = 15;
    /**
     * An unbounded {@code integer} fits a 32-bit int: typed clients map a schema's integer to Java's
     * {@code int} (LangChain4j, Spring AI and openai-java all do for an {@code int} field), and a
     * larger value fails their parse although it is valid JSON. A bound with more digits widens the
     * cap, up to {@link #MAX_INTEGER_DIGITS}.
     */
    static final int MAX_INTEGER_TYPE_DIGITS = 9;
    static final int MAX_FRACTION_DIGITS = 6;
    /** The most integer digits a lower bound may force: the automaton of a longer range costs seconds to build. */
    static final int MAX_BOUND_DIGITS = 40;

    private static final String ANY_FRACTION = "(\\.[0-9]{1," + MAX_FRACTION_DIGITS + "})?";
    private static final String EXPONENT = "([eE][-+]?[0-9]{1,2})?";

    /** One end of a range; {@code null} in its place means unbounded. */
    record Bound(BigDecimal value, boolean exclusive) {
        /** Whether {@code this} as a lower bound leaves less room than {@code other} does. */
        boolean tighterLowerThan(Bound other) {
            int order = value.compareTo(other.value);
            return order > 0 || order == 0 && exclusive && !other.exclusive;
        }

        boolean tighterUpperThan(Bound other) {
            int order = value.compareTo(other.value);
            return order < 0 || order == 0 && exclusive && !other.exclusive;
        }

        Bound negate() {
            return new Bound(value.negate(), exclusive);
        }
    }

    private JsonNumbers() {}

    /** Whether no number (or, when {@code integer}, no integer) lies between the bounds, whatever the digit caps. */
    static boolean isEmpty(Bound lower, Bound upper, boolean integer) {
        if (lower == null || upper == null) {
            return false;
        }
        if (integer) {
            BigInteger lowest = endpoint(lower.value, lower.exclusive, RoundingMode.CEILING, BigInteger.ONE);
            BigInteger highest = endpoint(upper.value, upper.exclusive, RoundingMode.FLOOR, BigInteger.ONE.negate());
            return lowest.compareTo(highest) > 0;
        }
        int order = lower.value.compareTo(upper.value);
        return order > 0 || order == 0 && (lower.exclusive || upper.exclusive);
    }

    /**
     * The numbers between {@code lower} and {@code upper} (each may be null), integers only when
     * {@code integer}; null when the digit caps leave none of them, or a bound needs more than
     * {@link #MAX_BOUND_DIGITS} integer digits.
     */
    static String pattern(Bound lower, Bound upper, boolean integer) {
        int fractionDigits = integer ? 0 : MAX_FRACTION_DIGITS;
        List<String> signs = new ArrayList<>();
        // zero and the positive numbers: magnitudes from max(lower, 0) up to upper
        boolean upperBelowZero = upper != null && (upper.value.signum() < 0 || upper.value.signum() == 0 && upper.exclusive);
        if (!upperBelowZero) {
            Bound from = lower == null || lower.value.signum() < 0 ? new Bound(BigDecimal.ZERO, false) : lower;
            addIfAny(signs, "", magnitudes(from, upper, fractionDigits));
        }
        // the negative numbers: magnitudes above max(-upper, 0), up to -lower; never -0
        if (lower == null || lower.value.signum() < 0) {
            Bound from = upper == null || upper.value.signum() >= 0 ? new Bound(BigDecimal.ZERO, true) : upper.negate();
            addIfAny(signs, "-", magnitudes(from, lower == null ? null : lower.negate(), fractionDigits));
        }
        if (signs.isEmpty()) {
            return null;
        }
        boolean unbounded = lower == null && upper == null;
        return JsonDigitRanges.group(signs) + (unbounded && !integer ? EXPONENT : "");
    }

    private static void addIfAny(List<String> signs, String sign, String magnitudes) {
        if (magnitudes != null) {
            signs.add(sign + magnitudes);
        }
    }

    /** Non-negative numbers from {@code from} to {@code to} (null: up to the digit cap); null when none can be written. */
    private static String magnitudes(Bound from, Bound to, int fractionDigits) {
        BigInteger first = from.value.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        if (first.toString().length() > MAX_BOUND_DIGITS) {
            return null;
        }
        int capDigits = MAX_INTEGER_DIGITS;
        if (fractionDigits == 0) { // the integer type: a Java int's digits, or as many as its upper bound has (to the number cap)
            int upperDigits = to == null ? 0 : to.value.setScale(0, RoundingMode.FLOOR).abs().toBigInteger().toString().length();
            capDigits = Math.max(MAX_INTEGER_TYPE_DIGITS, Math.min(MAX_INTEGER_DIGITS, upperDigits));
        }
        BigInteger cap = BigInteger.TEN.pow(Math.max(capDigits, first.toString().length())).subtract(BigInteger.ONE);
        boolean capped = to == null || to.value.compareTo(new BigDecimal(cap.add(BigInteger.ONE))) >= 0;
        BigDecimal fromFraction = from.value.subtract(new BigDecimal(first));
        if (capped) {
            to = new Bound(new BigDecimal(cap.add(BigInteger.ONE)), true);
        }
        BigInteger last = to.value.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        BigDecimal toFraction = to.value.subtract(new BigDecimal(last));
        List<String> parts = new ArrayList<>();
        if (first.equals(last)) {
            addPart(parts, first, first, fractions(fromFraction, from.exclusive, toFraction, to.exclusive, fractionDigits));
            return parts.isEmpty() ? null : JsonDigitRanges.group(parts);
        }
        String firstFractions = fractions(fromFraction, from.exclusive, BigDecimal.ONE, true, fractionDigits);
        String wholeFractions = fractions(BigDecimal.ZERO, false, BigDecimal.ONE, true, fractionDigits);
        // the first integer part joins the middle run when its bound leaves it every fraction
        BigInteger middleFrom = firstFractions != null && firstFractions.equals(wholeFractions) ? first : first.add(BigInteger.ONE);
        if (!middleFrom.equals(first)) {
            addPart(parts, first, first, firstFractions);
        }
        addPart(parts, middleFrom, last.subtract(BigInteger.ONE), wholeFractions);
        addPart(parts, last, last, fractions(BigDecimal.ZERO, false, toFraction, to.exclusive, fractionDigits));
        return parts.isEmpty() ? null : JsonDigitRanges.group(parts);
    }

    private static void addPart(List<String> parts, BigInteger from, BigInteger to, String fractions) {
        if (fractions != null && from.compareTo(to) <= 0) {
            parts.add(JsonDigitRanges.integers(from, to) + fractions);
        }
    }

    /**
     * The fraction suffixes (none, or a point and 1 to {@code maxDigits} digits) whose value lies
     * between {@code from} and {@code to}, both within [0, 1]; null when there are none.
     */
    private static String fractions(BigDecimal from, boolean fromExclusive, BigDecimal to, boolean toExclusive, int maxDigits) {
        boolean whole = from.signum() == 0 && !fromExclusive && to.compareTo(BigDecimal.ONE) == 0 && toExclusive;
        if (whole && maxDigits == MAX_FRACTION_DIGITS) {
            return ANY_FRACTION;
        }
        boolean zeroInside = from.signum() == 0 && !fromExclusive && (to.signum() > 0 || !toExclusive);
        List<String> points = new ArrayList<>();
        for (int digits = 1; digits <= maxDigits; digits++) {
            BigDecimal scale = BigDecimal.TEN.pow(digits);
            BigInteger lo = endpoint(from.multiply(scale), fromExclusive, RoundingMode.CEILING, BigInteger.ONE);
            BigInteger hi = endpoint(to.multiply(scale), toExclusive, RoundingMode.FLOOR, BigInteger.ONE.negate())
                    .min(scale.toBigIntegerExact().subtract(BigInteger.ONE));
            if (lo.compareTo(hi) <= 0) {
                points.add("\\." + JsonDigitRanges.fixedWidth(lo, hi, digits));
            }
        }
        if (points.isEmpty()) {
            return zeroInside ? "" : null;
        }
        return zeroInside ? "(" + String.join("|", points) + ")?" : JsonDigitRanges.group(points);
    }

    /** {@code scaled} rounded inward to an integer, one step further in when it is an excluded endpoint. */
    private static BigInteger endpoint(BigDecimal scaled, boolean exclusive, RoundingMode inward, BigInteger step) {
        BigInteger rounded = scaled.setScale(0, inward).toBigIntegerExact();
        boolean exact = scaled.compareTo(new BigDecimal(rounded)) == 0;
        return exact && exclusive ? rounded.add(step) : rounded;
    }
}
