package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.metrics.EngineMetrics.Dist;
import dev.ferry.server.ServingFixture;
import dev.ferry.store.config.SloConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor ticked by hand over a loaded model whose ferry.properties sets {@code slo.ttft.p95=1s}
 * and a 3 s window, with latencies recorded straight into its engine's metrics.
 */
class SloMonitorTest {
    @TempDir
    static Path store;
    static ServingFixture fixture;

    @BeforeAll
    static void load() throws Exception {
        fixture = new ServingFixture(store);
        Files.writeString(store.resolve(ServingFixture.MODEL).resolve("ferry.properties"),
                "slo.ttft.p95=1s\nslo.window=3s\n");
        fixture.registry.unload(ServingFixture.MODEL, Duration.ZERO);
        fixture.registry.load(ServingFixture.MODEL);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void aBreachLogsOneWarningWhenItStartsAndOneLineWhenItEnds() {
        SloMonitor monitor = new SloMonitor(fixture.registry,
                SloConfig.parse(Map.of("slo.e2e.p99", "1ms", "slo.ttft.p95", "1us")));
        EngineMetrics engine = fixture.registry.get(ServingFixture.MODEL).instance().engine().metrics();
        try (LogCapture log = LogCapture.of(SloMonitor.class)) {
            engine.record(Dist.E2E_US, 5_000);
            engine.record(Dist.TTFT_US, 5_000); // 5 ms: over the default 1 us, under the model's own 1 s
            monitor.tick();
            assertEquals(1.0, gauge(monitor, "ferry_slo_breached", "e2e.p99"));
            assertEquals(0.0, gauge(monitor, "ferry_slo_breached", "ttft.p95"), "ferry.properties wins over the default");
            assertEquals(1.0, gauge(monitor, "ferry_slo_threshold_seconds", "ttft.p95"));
            assertEquals(0.005, gauge(monitor, "ferry_slo_value_seconds", "e2e.p99"), 0.0001);

            engine.record(Dist.E2E_US, 6_000);
            monitor.tick();
            monitor.tick();
            monitor.tick(); // the 5 ms second has left the 3 s window; the 6 ms one has not
            assertEquals(1.0, gauge(monitor, "ferry_slo_breached", "e2e.p99"));
            assertEquals(0.006, gauge(monitor, "ferry_slo_value_seconds", "e2e.p99"), 0.0001);
            List<String> warnings = log.messages(Level.WARN);
            assertEquals(1, warnings.size(), "one alert per breach, not one per tick: " + warnings);
            assertTrue(warnings.get(0).startsWith("SLO breached: model tiny e2e.p99 is 5.0 ms over the last 3 s"),
                    warnings.get(0));
            assertEquals(List.of(), log.messages(Level.INFO));

            monitor.tick(); // nothing in the window now
            assertEquals(0.0, gauge(monitor, "ferry_slo_breached", "e2e.p99"));
            assertTrue(Double.isNaN(gauge(monitor, "ferry_slo_value_seconds", "e2e.p99")));
            assertEquals(List.of("SLO met again: model tiny e2e.p99 is unmeasured (no samples) over the last 3 s, "
                    + "threshold 1.0 ms"), log.messages(Level.INFO));
            assertEquals(1, log.messages(Level.WARN).size());
            assertEquals(1.0, gauge(monitor, "ferry_slo_breaches", "e2e.p99"));
        }
    }

    /** The value of {@code name}'s data point for objective {@code slo} of the tiny model. */
    private static double gauge(SloMonitor monitor, String name, String slo) {
        return SnapshotValues.value(monitor.snapshots(), name, ServingFixture.MODEL, "slo", slo);
    }
}
