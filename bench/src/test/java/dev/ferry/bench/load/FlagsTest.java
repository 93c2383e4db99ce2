package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FlagsTest {

    @Test
    void readsAllowancesAsPercentOrFraction() {
        assertEquals(0.1, Flags.fraction("--max-regression", "10%"), 1e-12);
        assertEquals(0.25, Flags.fraction("--max-regression", "0.25"), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Flags.fraction("--max-regression", "-5%"));
    }

    @Test
    void readsDurationsInMillisecondsSecondsAndMinutes() {
        var c = new Flags.DurationConverter();
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofMillis(1500), c.convert("1.5s"));
        assertEquals(Duration.ofMinutes(2), c.convert("2m"));
        for (String bad : new String[] {"30", "s", "3x", "-1s"}) {
            assertThrows(CommandLine.TypeConversionException.class, () -> c.convert(bad));
        }
    }
}
