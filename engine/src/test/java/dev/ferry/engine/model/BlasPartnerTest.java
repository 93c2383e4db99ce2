package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BlasPartnerTest {

    @Test
    void runsBothPartsOnTwoThreadsAndReturnsWhenBothAreDone() {
        BlasPartner p = BlasPartner.ofCurrentThread();
        for (int i = 0; i < 1000; i++) { // many hand-offs: a lost wake-up would hang here
            long[] seen = new long[2];
            AtomicReference<Thread> theirs = new AtomicReference<>();
            p.run(() -> seen[0] = 1, () -> {
                theirs.set(Thread.currentThread());
                seen[1] = 2;
            });
            assertEquals(1, seen[0]);
            assertEquals(2, seen[1]); // visible: the partner's write happens before run returns
            assertNotEquals(Thread.currentThread(), theirs.get());
        }
    }

    @Test
    void wakesAPartnerThatHasParked() throws Exception {
        BlasPartner p = BlasPartner.ofCurrentThread();
        p.run(() -> { }, () -> { });
        Thread.sleep(20); // well past the spin: the partner is parked
        boolean[] ran = new boolean[1];
        p.run(() -> { }, () -> ran[0] = true);
        assertTrue(ran[0]);
    }

    @Test
    void aFailureOfThePartnersPartReachesTheOwner() {
        BlasPartner p = BlasPartner.ofCurrentThread();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.run(() -> { }, () -> { throw new ArithmeticException("boom"); }));
        assertTrue(e.getCause() instanceof ArithmeticException);
        p.run(() -> { }, () -> { }); // and it keeps working
    }

    @Test
    void thePartnerEndsAfterItsOwner() throws Exception {
        AtomicReference<Thread> partner = new AtomicReference<>();
        Thread owner = new Thread(() -> BlasPartner.ofCurrentThread().run(() -> { },
                () -> partner.set(Thread.currentThread())));
        owner.start();
        owner.join();
        partner.get().join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(!partner.get().isAlive(), "the partner of a finished thread still runs");
    }
}
