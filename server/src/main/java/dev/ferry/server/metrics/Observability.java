package dev.ferry.server.metrics;

import dev.ferry.store.config.SloConfig;

/**
 * What the server observes beyond the engines' own figures.
 *
 * @param requestLog write one JSON line per request to the logger {@value RequestLog#LOGGER}
 * @param slo objectives for every model; a model's ferry.properties wins for an objective it sets too
 * @param anomalies how each model's signals are watched against their learned baselines
 */
public record Observability(boolean requestLog, SloConfig slo, AnomalyConfig anomalies) {
    public static final Observability DEFAULTS = new Observability(false, SloConfig.NONE);

    /** With the default anomaly watch. */
    public Observability(boolean requestLog, SloConfig slo) {
        this(requestLog, slo, AnomalyConfig.DEFAULTS);
    }
}
