package dev.ferry.server.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitSettlingTest {
    private static final long MS = 1_000_000;

    @Test
    void aWindowIsQuietWhenItsCompilesStayUnderTheShare() {
        AtomicLong compiled = new AtomicLong(1_000);
        JitSettling jit = new JitSettling(compiled::get, Duration.ofMillis(500), 0.1, 0);
        compiled.addAndGet(60);
        assertFalse(jit.settled(499 * MS), "the window has not ended");
        assertFalse(jit.settled(500 * MS), "60 ms of compiles in 500 is over a tenth");
        compiled.addAndGet(49);
        assertTrue(jit.settled(1_000 * MS), "49 ms in the next 500 is under it");
        compiled.addAndGet(80);
        assertFalse(jit.settled(1_700 * MS), "80 ms in a longer window of 700 is over its tenth");
    }

    @Test
    void thisJvmsCompilersAreReadWithoutError() {
        JitSettling jit = JitSettling.ofThisJvm(Duration.ZERO, 1.0, System.nanoTime());
        // a share of the whole window: the compilers cannot have taken more than all of it on every thread
        assertTrue(jit.settled(System.nanoTime() + Duration.ofSeconds(3600).toNanos()));
    }
}
