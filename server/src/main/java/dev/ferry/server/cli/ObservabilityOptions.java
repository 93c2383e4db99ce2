package dev.ferry.server.cli;

import dev.ferry.server.metrics.AnomalyConfig;
import dev.ferry.server.metrics.Observability;
import dev.ferry.store.config.SloConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Flags of what the server observes beyond its metrics: the request log, SLOs and anomaly watch for every model. */
final class ObservabilityOptions {
    @Option(names = "--request-log", description = "log one JSON line per request (finished or refused) to the "
            + "logger ferry.requests (default off)")
    boolean requestLog;

    @Option(names = "--slo", paramLabel = "OBJECTIVE=VALUE", description = "a latency objective for every model, "
            + "such as ttft.p95=500ms, itl.p99=100ms, e2e.p99=10s, queue.p95=1s, or the window, window=60s "
            + "(repeatable); a model's ferry.properties slo.* key of the same name wins")
    List<String> slo = List.of();

    @Option(names = "--no-anomalies", description = "do not watch each model's TTFT, inter-token latency, queue depth "
            + "and error rate against their learned baselines (watched by default)")
    boolean noAnomalies;

    @Option(names = "--anomaly-interval", paramLabel = "DURATION", description = "one anomaly observation per model "
            + "and signal this often (default 5s; latencies: the interval's median)")
    String anomalyInterval = "5s";

    @Option(names = "--anomaly-threshold", paramLabel = "SCORE", description = "a signal deviates at this many robust "
            + "standard deviations above its baseline (default 4)")
    double anomalyThreshold = AnomalyConfig.DEFAULTS.threshold();

    @Option(names = "--anomaly-sustain", paramLabel = "N", description = "deviating observations in a row that raise "
            + "an anomaly, and observations under half the threshold that clear it (default 3)")
    int anomalySustain = AnomalyConfig.DEFAULTS.sustain();

    @Option(names = "--anomaly-warm-up", paramLabel = "N", description = "observations that only learn the baseline "
            + "before anything is judged (default 12)")
    int anomalyWarmUp = AnomalyConfig.DEFAULTS.warmUp();

    Observability toObservability() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String s : slo) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--slo: expected OBJECTIVE=VALUE such as ttft.p95=500ms, got '" + s + "'");
            }
            entries.put(SloConfig.PREFIX + s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        AnomalyConfig anomalies = new AnomalyConfig(!noAnomalies, ServeCommand.parseDuration("--anomaly-interval",
                anomalyInterval), anomalyThreshold, anomalySustain, anomalyWarmUp);
        return new Observability(requestLog, EngineOptions.parse("--slo", () -> SloConfig.parse(entries)), anomalies);
    }
}
