package dev.ferry.server.metrics;

import static dev.ferry.server.metrics.ObservedServer.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.ServingFixture;
import dev.ferry.store.config.SloConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live server's tiny model learns its TTFT baseline from real requests over a monitor ticked by hand;
 * then a latency step is injected into the model's recorded TTFTs (each slow request 50 times the
 * baseline), and real requests afterwards end it.
 */
class AnomalyAlertTest {
    private static final AnomalyConfig CONFIG = new AnomalyConfig(true, Duration.ofSeconds(1), 4, 3, 8);

    @Test
    void aLatencyStepIsRaisedOnceAndClearedOnceOnALiveModel(@TempDir Path store) throws Exception {
        try (ObservedServer t = new ObservedServer(store, new Observability(false, SloConfig.NONE, AnomalyConfig.OFF)); LogCapture log = LogCapture.of(AnomalyMonitor.class)) {
            AnomalyMonitor monitor = new AnomalyMonitor(t.fixture.registry, CONFIG);
            EngineMetrics engine = t.fixture.registry.get(ServingFixture.MODEL).instance().engine().metrics();
            for (int i = 0; i < 12; i++) {
                realRequests(t, i);
                monitor.tick();
            }
            double baseline = gauge(monitor, "ferry_anomaly_baseline", "ttft");
            assertTrue(baseline > 0 && baseline < 1, "baseline " + baseline);
            assertEquals(0.0, gauge(monitor, "ferry_anomaly_active", "ttft"));

            long slow = Math.max(50_000, (long) (baseline * 1e6 * 50)); // microseconds
            for (int i = 0; i < 3; i++) {
                for (int r = 0; r < 9; r++) { // outnumber the interval's real samples: the median is slow
                    engine.record(Dist.TTFT_US, slow);
                }
                realRequests(t, 100 + i);
                monitor.tick();
            }
            // the third slow interval in a row raises it (sooner if a real interval just before was slow too)
            assertEquals(1.0, gauge(monitor, "ferry_anomaly_active", "ttft"));
            List<String> raised = log.messages(Level.WARN).stream().filter(m -> m.contains(" ttft ")).toList();
            assertEquals(1, raised.size(), log.messages(Level.WARN).toString());
            assertTrue(raised.get(0).startsWith("Anomaly: model tiny ttft is "), raised.get(0));
            assertEquals(1.0, gauge(monitor, "ferry_anomalies", "ttft"));

            for (int i = 0; i < 6 && gauge(monitor, "ferry_anomaly_active", "ttft") == 1.0; i++) {
                realRequests(t, 200 + i); // three ordinary intervals in a row clear it
                monitor.tick();
            }
            assertEquals(0.0, gauge(monitor, "ferry_anomaly_active", "ttft"));
            List<String> cleared = log.messages(Level.INFO).stream().filter(m -> m.contains(" ttft ")).toList();
            assertEquals(1, cleared.size(), cleared.toString());
            assertTrue(cleared.get(0).startsWith("Anomaly over: model tiny ttft is "), cleared.get(0));
            assertEquals(1, log.messages(Level.WARN).stream().filter(m -> m.contains(" ttft ")).count());
        }
    }

    private static void realRequests(ObservedServer t, int round) {
        for (int r = 0; r < 3; r++) {
            t.grpc().complete(request("Steady traffic " + round + "." + r, 2).build());
        }
    }

    private static double gauge(AnomalyMonitor monitor, String name, String signal) {
        return SnapshotValues.value(monitor.snapshots(), name, ServingFixture.MODEL, "signal", signal);
    }
}
