package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShadowSamplerTest {
    @Test
    void picksExactlyTheRateEvenlyAndCountsEachRouteApart() {
        ShadowSampler sampler = new ShadowSampler();
        List<Integer> picked = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            if (sampler.pick("a", 0.2)) {
                picked.add(i);
            }
            assertFalse(sampler.pick("off", 0));
        }
        assertEquals(List.of(5, 10, 15, 20), picked);
        int third = 0;
        for (int i = 0; i < 300; i++) {
            third += sampler.pick("b", 1.0 / 3) ? 1 : 0;
        }
        assertEquals(100, third);
    }
}
