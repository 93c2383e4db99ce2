package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BlasPartnerTest {
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void everyPartRunsExactlyOnceAndIsDoneWhenShareReturns() {
        BlasPartner p = BlasPartner.ofCurrentThread();
        for (int i = 0; i < 1000; i++) { // many hand-offs and withdrawn offers: a lost wake-up would hang here
            int parts = 1 + i % 7;
            int[] plain = new int[parts]; // plain writes: share must make the partner's visible
            AtomicIntegerArray runs = new AtomicIntegerArray(parts);
            p.share(parts, k -> {
                runs.incrementAndGet(k);
                plain[k] = k + 1;
            });
            for (int k = 0; k < parts; k++) {
                assertEquals(1, runs.get(k), "part " + k + " of " + parts);
                assertEquals(k + 1, plain[k]);
            }
        }
    }

    /** The owner holds its first part until the partner has done one: the partner is woken from its park and joins in. */
    @Test
    void wakesAPartnerThatHasParkedAndSharesTheParts() throws Exception {
        BlasPartner p = BlasPartner.ofCurrentThread();
        p.share(1, k -> { });
        Thread.sleep(20); // well past the spin: the partner is parked
        Thread owner = Thread.currentThread();
        AtomicBoolean partnerRanOne = new AtomicBoolean();
        p.share(2, k -> {
            if (Thread.currentThread() != owner) {
                partnerRanOne.set(true);
                return;
            }
            long until = System.nanoTime() + PATIENCE_NANOS;
            while (!partnerRanOne.get() && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        });
        assertTrue(partnerRanOne.get(), "the partner never took a part");
    }

    @Test
    void aFailureOfThePartnersPartReachesTheOwner() {
        BlasPartner p = BlasPartner.ofCurrentThread();
        Thread owner = Thread.currentThread();
        AtomicBoolean partnerFailed = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.share(2, k -> {
            if (Thread.currentThread() != owner) {
                partnerFailed.set(true);
                throw new ArithmeticException("boom");
            }
            long until = System.nanoTime() + PATIENCE_NANOS;
            while (!partnerFailed.get() && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }));
        assertTrue(e.getCause() instanceof ArithmeticException);
        int[] runs = new int[1];
        p.share(1, k -> runs[0]++); // and it keeps working
        assertEquals(1, runs[0]);
    }

    /** Prefetching between products, stopped by each product and by the end of the step, never holds up either. */
    @Test
    void prefetchingGivesWayToProductsAndEndsWithTheStep() {
        assumeTrue(OpenBlas.available(), "OpenBLAS is not installed");
        ByteBuffer weights = ByteBuffer.allocateDirect(8 << 20); // larger than a prefetch chunk many times over
        Pointer at = Native.getDirectBufferPointer(weights);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            BlasPartner p = BlasPartner.ofCurrentThread();
            for (int step = 0; step < 200; step++) {
                p.coreOfItsOwn(true);
                for (int product = 0; product < 5; product++) {
                    int[] runs = new int[1];
                    p.prefetch(at, weights.capacity());
                    p.share(3, k -> {
                        synchronized (runs) {
                            runs[0]++;
                        }
                    });
                    assertEquals(3, runs[0]);
                }
                p.prefetch(at, weights.capacity());
                p.coreOfItsOwn(false); // returns only when the partner reads no more of it
            }
        });
    }

    @Test
    void thePartnerEndsAfterItsOwner() throws Exception {
        AtomicReference<Thread> partner = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            Thread self = Thread.currentThread();
            BlasPartner.ofCurrentThread().share(2, k -> {
                if (Thread.currentThread() != self) {
                    partner.set(Thread.currentThread());
                    return;
                }
                long until = System.nanoTime() + PATIENCE_NANOS;
                while (partner.get() == null && System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            });
        });
        owner.start();
        owner.join();
        partner.get().join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(!partner.get().isAlive(), "the partner of a finished thread still runs");
    }
}
