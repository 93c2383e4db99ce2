package dev.ferry.server.cli;

import dev.ferry.server.metrics.Observability;
import dev.ferry.store.config.SloConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Flags of what the server observes beyond its metrics: the request log, and SLOs for every model. */
final class ObservabilityOptions {
    @Option(names = "--request-log", description = "log one JSON line per request (finished or refused) to the "
            + "logger ferry.requests (default off)")
    boolean requestLog;

    @Option(names = "--slo", paramLabel = "OBJECTIVE=VALUE", description = "a latency objective for every model, "
            + "such as ttft.p95=500ms, itl.p99=100ms, e2e.p99=10s, queue.p95=1s, or the window, window=60s "
            + "(repeatable); a model's ferry.properties slo.* key of the same name wins")
    List<String> slo = List.of();

    Observability toObservability() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String s : slo) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--slo: expected OBJECTIVE=VALUE such as ttft.p95=500ms, got '" + s + "'");
            }
            entries.put(SloConfig.PREFIX + s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
        return new Observability(requestLog, EngineOptions.parse("--slo", () -> SloConfig.parse(entries)));
    }
}
