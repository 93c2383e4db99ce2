package dev.ferry.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostComputeTest {

    @Test
    void batchWorkWaitsAndShrinksWhileAnotherEngineHoldsInteractiveWorkButNotLongerThanTheBound() {
        HostCompute.Lane small = new HostCompute.Lane();
        HostCompute.Lane large = new HostCompute.Lane();
        assertFalse(large.deferBatch(), "nobody holds interactive work: batch work runs at once");
        assertEquals(Integer.MAX_VALUE, large.batchTokenBudget());

        small.holdsInteractive(true);
        small.holdsInteractive(true); // said twice, counted once
        assertTrue(large.othersHoldInteractive());
        assertFalse(small.othersHoldInteractive(), "its own interactive work is not another's");
        assertEquals(HostCompute.BATCH_TOKENS_BESIDE_INTERACTIVE, large.batchTokenBudget());
        assertEquals(Integer.MAX_VALUE, small.batchTokenBudget());
        long start = System.nanoTime();
        int deferred = 0;
        while (large.deferBatch()) {
            deferred++;
        }
        long waited = System.nanoTime() - start;
        assertTrue(deferred > 0);
        assertTrue(waited >= HostCompute.MAX_DEFER_NANOS, "held back up to the bound: " + waited);
        assertTrue(waited < 20 * HostCompute.MAX_DEFER_NANOS, "and then ran: " + waited);
        assertTrue(large.deferBatch(), "the next step waits again");

        small.holdsInteractive(false);
        assertFalse(large.othersHoldInteractive());
        assertFalse(large.deferBatch(), "the interactive work ended: batch work runs at once");
    }
}
