package dev.ferry.bench.load;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Flag values as people write them: durations (500ms, 30s, 2m) and allowances (10%, 0.1). */
final class Flags {
    private Flags() {}

    /** A fraction from "10%" or "0.1"; {@code option} names the flag in the error. */
    static double fraction(String option, String text) {
        String s = text.trim();
        try {
            double v = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1)) / 100 : Double.parseDouble(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException(option + ": expected a percentage such as 10% or a fraction such as 0.1, got '"
                + text + "'");
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            String s = text.trim().toLowerCase(Locale.ROOT);
            // "ms" is tested before "s", which it also ends with
            double nanos = s.endsWith("ms") ? number(s, 2) * 1e6 : s.endsWith("s") ? number(s, 1) * 1e9
                    : s.endsWith("m") ? number(s, 1) * 60e9 : -1;
            if (!(nanos >= 0)) {
                throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 30s or 2m, got '" + text
                        + "'");
            }
            return Duration.ofNanos(Math.round(nanos));
        }

        /** The number before a unit of {@code unitLength} characters; NaN when there is none. */
        private static double number(String s, int unitLength) {
            try {
                return Double.parseDouble(s.substring(0, s.length() - unitLength));
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }
}
