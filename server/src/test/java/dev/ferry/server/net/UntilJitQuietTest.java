package dev.ferry.server.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UntilJitQuietTest {
    @Test
    void theMinimumIsGrantedWhateverTheLimitAndNothingAfterTheLimit() {
        UntilJitQuiet more = new UntilJitQuiet(3, Duration.ZERO);
        assertTrue(more.getAsBoolean());
        assertTrue(more.getAsBoolean());
        assertTrue(more.getAsBoolean());
        assertFalse(more.getAsBoolean(), "past the minimum and the limit");
        assertFalse(more.settled(), "stopped by the limit: no window of the JIT's has ended");
    }

    @Test
    void beforeTheLimitItGoesOnWhileTheWindowLasts() {
        UntilJitQuiet more = new UntilJitQuiet(0, Duration.ofMinutes(1));
        assertTrue(more.getAsBoolean(), "the JIT's first half-second window has not ended");
    }
}
