package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ArrivalsTest {

    @Test
    void poissonArrivalsComeAtTheRateOnTimesFixedInAdvance() throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(200);
        Arrivals a = new Arrivals.Poisson(10_000, 1, start);
        int count = 0;
        long previous = start;
        for (long due; (due = a.awaitNext(deadline)) != Long.MIN_VALUE; count++) {
            assertTrue(due > previous, "due times increase");
            assertTrue(System.nanoTime() - due >= 0, "never released before its time");
            previous = due;
        }
        // 2000 expected; a Poisson count's sd is sqrt(2000) = 45
        assertEquals(2000, count, 250);
    }

    @Test
    void poissonTimesDoNotDependOnWhenTheDriverAsks() throws InterruptedException {
        long start = System.nanoTime() - TimeUnit.SECONDS.toNanos(1); // the driver is "late" for all of them
        Arrivals a = new Arrivals.Poisson(100, 5, start);
        Arrivals b = new Arrivals.Poisson(100, 5, start);
        long far = start + TimeUnit.SECONDS.toNanos(1);
        for (int i = 0; i < 20; i++) {
            long x = a.awaitNext(far);
            Thread.sleep(1);
            assertEquals(x, b.awaitNext(far));
        }
    }

    @Test
    void aClosedLoopSendsOnlyWhenAUserIsIdle() throws InterruptedException {
        Arrivals a = new Arrivals.Closed(2);
        long soon = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        assertTrue(a.awaitNext(soon) != Long.MIN_VALUE);
        assertTrue(a.awaitNext(soon) != Long.MIN_VALUE);
        assertEquals(Long.MIN_VALUE, a.awaitNext(soon), "both users are waiting for answers");
        a.ended();
        assertTrue(a.awaitNext(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)) != Long.MIN_VALUE);
    }
}
