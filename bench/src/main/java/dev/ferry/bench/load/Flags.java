package dev.ferry.bench.load;

import dev.ferry.store.config.Durations;
import java.time.Duration;
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

    /** Durations as every Ferry flag takes them ({@link Durations}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
