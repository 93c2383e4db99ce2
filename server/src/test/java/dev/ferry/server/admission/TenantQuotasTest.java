package dev.ferry.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantQuotasTest {
    @Test
    void eachTenantHasItsOwnBucket() {
        TenantQuotas q = new TenantQuotas(new TenantQuotas.Limits(10, 100),
                Map.of("big", new TenantQuotas.Limits(1000, 10_000)));
        q.acquire("a", 100);
        AdmissionRejected e = assertThrows(AdmissionRejected.class, () -> q.acquire("a", 50));
        assertEquals(RejectReason.TENANT_QUOTA, e.reason());
        assertTrue(e.retryAfterMillis() >= 4000 && e.retryAfterMillis() <= 5100, "50 tokens at 10/s: " + e.retryAfterMillis());
        q.acquire("b", 100); // another default tenant is unaffected
        q.acquire("big", 9000);
        AdmissionRejected tooBig = assertThrows(AdmissionRejected.class, () -> q.acquire("a", 101));
        assertEquals(0, tooBig.retryAfterMillis(), "larger than the burst can never fit");
    }

    @Test
    void theEarlyCheckRefusesAnEmptyBucketWithoutChargingIt() {
        TenantQuotas q = new TenantQuotas(new TenantQuotas.Limits(10, 100), Map.of());
        q.refuseIfShort("new", 100); // no bucket yet: a full one
        q.acquire("a", 80);
        q.refuseIfShort("a", 20);
        AdmissionRejected short_ = assertThrows(AdmissionRejected.class, () -> q.refuseIfShort("a", 50));
        assertEquals(RejectReason.TENANT_QUOTA, short_.reason());
        assertTrue(short_.retryAfterMillis() >= 2500, "30 more tokens at 10/s: " + short_.retryAfterMillis());
        assertEquals(0, assertThrows(AdmissionRejected.class, () -> q.refuseIfShort("a", 101)).retryAfterMillis(),
                "more than the burst never fits");
        q.acquire("a", 20); // the checks charged nothing
    }

    @Test
    void bucketsRefillOverTime() throws InterruptedException {
        TenantQuotas q = new TenantQuotas(new TenantQuotas.Limits(1000, 100), Map.of());
        q.acquire("a", 100);
        assertThrows(AdmissionRejected.class, () -> q.acquire("a", 50));
        Thread.sleep(80);
        q.acquire("a", 50);
    }

    @Test
    void aRefundGivesTheTokensBack() {
        TenantQuotas q = new TenantQuotas(new TenantQuotas.Limits(1, 100), Map.of());
        q.acquire("a", 100);
        q.refund("a", 100);
        q.acquire("a", 100);
        assertThrows(AdmissionRejected.class, () -> q.acquire("a", 100));
        q.refund("nobody-yet", 5); // no bucket: nothing to give back
    }

    @Test
    void noDefaultMeansUnlimited() {
        TenantQuotas q = new TenantQuotas(null, Map.of("capped", new TenantQuotas.Limits(1, 1)));
        for (int i = 0; i < 100; i++) {
            q.acquire("anyone", 1_000_000);
        }
        assertThrows(AdmissionRejected.class, () -> q.acquire("capped", 2));
    }
}
