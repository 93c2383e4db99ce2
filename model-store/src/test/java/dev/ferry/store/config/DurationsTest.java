package dev.ferry.store.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"1us, 1000", "250µs, 250000", "500ms, 500000000", "1.5s, 1500000000", "2m, 120000000000",
            "1h, 3600000000000", "0.5 ms, 500000", "30S, 30000000000"})
    void durationsTakeMicrosToHours(String text, long nanos) {
        assertEquals(Duration.ofNanos(nanos), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "s", "3x", "-1s", "1m30s", ""})
    void anythingElseIsRefusedWithWhatIsExpected(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("expected a duration such as 250us, 500ms, 2s or 1m, got '" + text + "'", e.getMessage());
    }
}
