package dev.ferry.server.metrics;

import dev.ferry.store.config.SloConfig;

/**
 * What the server observes beyond the engines' own figures.
 *
 * @param requestLog write one JSON line per request to the logger {@value RequestLog#LOGGER}
 * @param slo objectives for every model; a model's ferry.properties wins for an objective it sets too
 */
public record Observability(boolean requestLog, SloConfig slo) {
    public static final Observability DEFAULTS = new Observability(false, SloConfig.NONE);
}
