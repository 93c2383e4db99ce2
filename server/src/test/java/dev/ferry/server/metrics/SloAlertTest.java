package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.ObservedServer.TINY;
import static dev.ferry.server.metrics.ObservedServer.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.ferry.store.config.SloConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An SLO no request can meet (TTFT p95 within 1 us) on a live server, ticking on its own every second. */
class SloAlertTest {
    private static final String SLO = "{" + TINY + ",slo=\"ttft.p95\"}";

    @Test
    void aBreachRaisesTheGaugeAndAlertsOnceThenRecoversAfterTheWindow(@TempDir Path store) throws Exception {
        Observability slo = new Observability(false, SloConfig.parse(Map.of("slo.ttft.p95", "1us", "slo.window", "2s")));
        try (ObservedServer t = new ObservedServer(store, slo); LogCapture log = LogCapture.of(SloMonitor.class)) {
            for (int i = 0; i < 3; i++) {
                t.grpc().complete(request("Too slow " + i, 2).build());
            }
            awaitSample(t, "ferry_slo_breached" + SLO, 1.0, 5_000);
            assertTrue(t.sample("ferry_slo_value_seconds" + SLO) > 1e-6);
            assertEquals(1e-6, t.sample("ferry_slo_threshold_seconds" + SLO), 1e-12);
            for (int i = 0; i < 2; i++) { // more traffic inside the window: still the same breach
                t.grpc().complete(request("Still too slow " + i, 2).build());
            }
            Thread.sleep(1_500);
            assertEquals(1.0, t.sample("ferry_slo_breached" + SLO));
            assertEquals(1, log.messages(Level.WARN).size(), log.messages(Level.WARN).toString());

            awaitSample(t, "ferry_slo_breached" + SLO, 0.0, 6_000); // no traffic: the window empties
            List<String> warnings = log.messages(Level.WARN);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("SLO breached: model tiny ttft.p95 is "), warnings.get(0));
            List<String> recovered = log.messages(Level.INFO);
            assertEquals(1, recovered.size(), recovered.toString());
            assertTrue(recovered.get(0).startsWith("SLO met again: model tiny ttft.p95"), recovered.get(0));
            assertEquals(1.0, t.sample("ferry_slo_breaches_total" + SLO));
        }
    }

    private static void awaitSample(ObservedServer t, String sample, double value, long millis) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (t.sample(sample) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sample + " is not " + value + " after " + millis + " ms: " + t.sample(sample));
            }
            Thread.sleep(50);
        }
    }
}
