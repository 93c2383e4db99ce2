package dev.ferry.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class OneShotThreadTest {

    @Test
    void runsOnANamedThreadOfItsOwnThatHasEndedOnReturn() {
        Thread[] ran = new Thread[1];
        String name = OneShotThread.call("ferry-load-x", () -> {
            ran[0] = Thread.currentThread();
            return Thread.currentThread().getName();
        });
        assertEquals("ferry-load-x", name);
        assertFalse(ran[0].isAlive(), "the thread, and with it any OpenMP team it made, is gone");
    }

    @Test
    void failuresReachTheCallerUnchangedOrWrappedWhenChecked() {
        IllegalArgumentException bad = new IllegalArgumentException("config.json: no architectures");
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> OneShotThread.call("t", () -> {
            throw bad;
        })));
        IOException io = new IOException("truncated");
        assertSame(io, assertThrows(CompletionException.class, () -> OneShotThread.call("t", () -> {
            throw io;
        })).getCause());
    }
}
