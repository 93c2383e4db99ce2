package dev.ferry.engine.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.engine.grammar.JsonNumbers.Bound;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The number patterns against brute force: each matches exactly the numbers in its range. */
class JsonNumbersTest {

    @Test
    void integerRangesMatchExactlyTheirIntegersWithoutLeadingZeros() {
        Random random = new Random(1);
        for (int trial = 0; trial < 80; trial++) {
            int lo = random.nextInt(trial < 40 ? 120 : 30_000);
            int hi = lo + random.nextInt(trial % 3 == 0 ? 15 : 25_000);
            Pattern pattern = Pattern.compile(JsonDigitRanges.integers(BigInteger.valueOf(lo), BigInteger.valueOf(hi)));
            for (int n = 0; n < 60_000; n += n < 1_000 ? 1 : 13) {
                boolean inside = n >= lo && n <= hi;
                assertEquals(inside, pattern.matcher(Integer.toString(n)).matches(), lo + ".." + hi + " at " + n + ": " + pattern);
            }
            assertEquals(false, pattern.matcher("0" + lo).matches(), "leading zero " + pattern);
        }
    }

    @Test
    void fixedWidthRangesMatchTheirZeroPaddedIntegers() {
        Random random = new Random(2);
        for (int trial = 0; trial < 30; trial++) {
            int lo = random.nextInt(1000);
            int hi = lo + random.nextInt(1000 - lo);
            Pattern pattern = Pattern.compile(JsonDigitRanges.fixedWidth(BigInteger.valueOf(lo), BigInteger.valueOf(hi), 3));
            for (int n = 0; n < 1000; n++) {
                assertEquals(n >= lo && n <= hi, pattern.matcher(String.format("%03d", n)).matches(), lo + ".." + hi + " at " + n);
            }
        }
    }

    @Test
    void numberRangesMatchExactlyTheNumbersBetweenTheirBounds() {
        Random random = new Random(3);
        List<String> texts = numberTexts();
        for (int trial = 0; trial < 400; trial++) {
            Bound lower = random.nextInt(5) == 0 ? null : bound(random);
            Bound upper = random.nextInt(5) == 0 ? null : bound(random);
            boolean integer = random.nextBoolean();
            if (JsonNumbers.isEmpty(lower, upper, integer)) {
                continue;
            }
            String regex = JsonNumbers.pattern(lower, upper, integer);
            List<String> wrong = new ArrayList<>();
            Pattern pattern = regex == null ? null : Pattern.compile(regex);
            for (String text : texts) {
                BigDecimal value = new BigDecimal(text);
                boolean expected = (!integer || value.stripTrailingZeros().scale() <= 0 && !text.contains("."))
                        && !(value.signum() == 0 && text.startsWith("-")) && (lower == null || above(value, lower)) && (upper == null || below(value, upper));
                boolean matched = pattern != null && pattern.matcher(text).matches();
                if (expected != matched) {
                    wrong.add(text);
                }
            }
            assertEquals(List.of(), wrong, lower + " " + upper + (integer ? " integer " : " number ") + regex);
        }
    }

    @Test
    void rangesNarrowerThanTheFractionDigitsHaveNoPattern() {
        assertNull(JsonNumbers.pattern(new Bound(new BigDecimal("0.0000001"), false), new Bound(new BigDecimal("0.0000002"), false), false));
    }

    /** Numbers from -30 to 30 in steps of 0.05, written with 0 to 3 fraction digits where exact, plus some negative zeros. */
    private static List<String> numberTexts() {
        List<String> texts = new ArrayList<>(List.of("-0", "-0.0", "-0.00"));
        for (int hundredths = -3000; hundredths <= 3000; hundredths += 5) {
            BigDecimal value = BigDecimal.valueOf(hundredths, 2);
            for (int scale = 0; scale <= 3; scale++) {
                if (value.stripTrailingZeros().scale() <= scale) {
                    texts.add(value.setScale(scale).toPlainString());
                }
            }
        }
        return texts;
    }

    private static Bound bound(Random random) {
        return new Bound(BigDecimal.valueOf(random.nextInt(4001) - 2000, random.nextInt(3)), random.nextBoolean());
    }

    private static boolean above(BigDecimal value, Bound lower) {
        int order = value.compareTo(lower.value());
        return order > 0 || order == 0 && !lower.exclusive();
    }

    private static boolean below(BigDecimal value, Bound upper) {
        int order = value.compareTo(upper.value());
        return order < 0 || order == 0 && !upper.exclusive();
    }
}
