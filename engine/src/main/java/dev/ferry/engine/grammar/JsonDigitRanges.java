package dev.ferry.engine.grammar;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Regular expressions for ranges of non-negative integers written in decimal: {@link #integers}
 * without leading zeros (a JSON number's integer part), {@link #fixedWidth} with exactly so many
 * digits (a fraction's digits). Both use only digits, {@code [a-b]}, groups, {@code |} and
 * {@code {n}}, so they fit any regular-expression subset, and describe the range exactly.
 */
final class JsonDigitRanges {
    private JsonDigitRanges() {}

    /** The integers {@code lo..hi} ({@code 0 <= lo <= hi}) without leading zeros. */
    static String integers(BigInteger lo, BigInteger hi) {
        List<String> byLength = new ArrayList<>();
        int fullFrom = -1; // digit counts whose whole range is covered run together into one [1-9][0-9]{a,b}
        int lastLength = hi.toString().length();
        for (int length = lo.toString().length(); length <= lastLength; length++) {
            BigInteger smallest = length == 1 ? BigInteger.ZERO : BigInteger.TEN.pow(length - 1);
            BigInteger largest = BigInteger.TEN.pow(length).subtract(BigInteger.ONE);
            BigInteger from = lo.max(smallest);
            BigInteger to = hi.min(largest);
            boolean full = length > 1 && from.equals(smallest) && to.equals(largest);
            if (full) {
                fullFrom = fullFrom < 0 ? length : fullFrom;
                continue;
            }
            closeFullRun(byLength, fullFrom, length - 1);
            fullFrom = -1;
            byLength.add(fixedWidth(from, to, length));
        }
        closeFullRun(byLength, fullFrom, lastLength);
        return group(byLength);
    }

    /** The integers {@code lo..hi} written with exactly {@code width} digits, zero-padded. */
    static String fixedWidth(BigInteger lo, BigInteger hi, int width) {
        return range(pad(lo, width), pad(hi, width));
    }

    private static void closeFullRun(List<String> byLength, int from, int to) {
        if (from < 0) {
            return;
        }
        byLength.add("[1-9]" + anyDigits(from - 1, to - 1));
    }

    /** Digit strings of one length from {@code lo} to {@code hi}, split on the first digit that differs. */
    private static String range(String lo, String hi) {
        if (lo.equals(hi)) {
            return lo;
        }
        char first = lo.charAt(0);
        char last = hi.charAt(0);
        String loRest = lo.substring(1);
        String hiRest = hi.substring(1);
        if (first == last) {
            return first + range(loRest, hiRest);
        }
        int restLength = loRest.length();
        boolean loStartsBlock = loRest.equals("0".repeat(restLength));
        boolean hiEndsBlock = hiRest.equals("9".repeat(restLength));
        List<String> parts = new ArrayList<>();
        if (!loStartsBlock) {
            parts.add(first + range(loRest, "9".repeat(restLength)));
        }
        char middleFrom = loStartsBlock ? first : (char) (first + 1);
        char middleTo = hiEndsBlock ? last : (char) (last - 1);
        if (middleFrom <= middleTo) {
            parts.add(digit(middleFrom, middleTo) + anyDigits(restLength, restLength));
        }
        if (!hiEndsBlock) {
            parts.add(last + range("0".repeat(restLength), hiRest));
        }
        return group(parts);
    }

    private static String digit(char from, char to) {
        return from == to ? String.valueOf(from) : "[" + from + "-" + to + "]";
    }

    private static String anyDigits(int min, int max) {
        if (max == 0) {
            return "";
        }
        if (min == max) {
            return min == 1 ? "[0-9]" : "[0-9]{" + min + "}";
        }
        return "[0-9]{" + min + "," + max + "}";
    }

    private static String pad(BigInteger value, int width) {
        String digits = value.toString();
        return "0".repeat(width - digits.length()) + digits;
    }

    static String group(List<String> options) {
        return options.size() == 1 ? options.get(0) : "(" + String.join("|", options) + ")";
    }
}
