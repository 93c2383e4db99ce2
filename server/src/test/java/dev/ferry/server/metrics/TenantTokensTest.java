package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantTokensTest {

    @Test
    void tenantsPastTheFirstHundredAreCountedAsOther() {
        TenantTokens t = new TenantTokens();
        for (int i = 0; i < TenantTokens.MAX_TENANTS + 5; i++) {
            t.add("m", "tenant-" + i, 10, 1);
        }
        t.add("m", "tenant-0", 10, 1); // known before the limit: keeps its own label
        Map<String, Double> prompt = byTenant((CounterSnapshot) t.snapshots().get(0));

        assertEquals(TenantTokens.MAX_TENANTS + 1, prompt.size());
        assertEquals(50, prompt.get(TenantTokens.OTHER));
        assertEquals(20, prompt.get("tenant-0"));
        assertEquals(10, prompt.get("tenant-99"));
    }

    private static Map<String, Double> byTenant(CounterSnapshot s) {
        Map<String, Double> out = new HashMap<>();
        for (CounterDataPointSnapshot p : s.getDataPoints()) {
            out.put(p.getLabels().get("tenant"), p.getValue());
        }
        return out;
    }
}
