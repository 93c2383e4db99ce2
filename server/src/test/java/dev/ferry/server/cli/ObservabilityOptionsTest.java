package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.metrics.AnomalyConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.store.config.SloConfig.Slo;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ferry serve}'s request-log, SLO and anomaly flags, parsed as picocli parses them. */
class ObservabilityOptionsTest {

    static Observability parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.observability.toObservability();
    }

    @Test
    void requestLogIsOffUntilAsked() {
        assertEquals(Observability.DEFAULTS, parse());
        assertTrue(parse("--request-log").requestLog());
    }

    @Test
    void sloFlagsSetObjectivesAndTheWindowForEveryModel() {
        Observability o = parse("--slo", "ttft.p95=500ms", "--slo", "itl.p99=100ms", "--slo", "window=30s");
        assertFalse(o.requestLog());
        assertEquals(Duration.ofSeconds(30), o.slo().window());
        assertEquals(List.of("itl.p99", "ttft.p95"), o.slo().objectives().stream().map(Slo::name).toList());
    }

    @Test
    void badSloFlagsNameTheFlagAndTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> parse("--slo", "ttft.p95"));
        assertTrue(e.getMessage().startsWith("--slo: expected OBJECTIVE=VALUE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--slo", "ttfb.p95=1s"));
        assertEquals("--slo: key 'slo.ttfb.p95': unknown latency 'ttfb' (expected ttft, itl, e2e or queue)", e.getMessage());
    }

    @Test
    void anomaliesAreWatchedByDefaultAndTheirFlagsAreChecked() {
        assertEquals(AnomalyConfig.DEFAULTS, parse().anomalies());
        assertFalse(parse("--no-anomalies").anomalies().enabled());
        AnomalyConfig a = parse("--anomaly-interval", "10s", "--anomaly-threshold", "6", "--anomaly-sustain", "2",
                "--anomaly-warm-up", "30").anomalies();
        assertEquals(new AnomalyConfig(true, Duration.ofSeconds(10), 6, 2, 30), a);
        var e = assertThrows(IllegalArgumentException.class, () -> parse("--anomaly-threshold", "0"));
        assertEquals("--anomaly-threshold must be above 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--anomaly-interval", "10ms"));
        assertEquals("--anomaly-interval must be at least 100ms, got 10ms", e.getMessage());
    }
}
