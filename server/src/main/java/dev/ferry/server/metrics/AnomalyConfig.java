package dev.ferry.server.metrics;

import java.time.Duration;

/**
 * How the anomaly monitor judges each model's signals: one observation per {@code interval}; the
 * first {@code warmUp} observations only learn the baseline; a signal deviates when its robust score
 * (distance above the baseline in robust standard deviations) reaches {@code threshold}, and an
 * anomaly is raised after {@code sustain} deviating observations in a row and cleared after as many
 * below half the threshold.
 */
public record AnomalyConfig(boolean enabled, Duration interval, double threshold, int sustain, int warmUp) {
    public static final AnomalyConfig DEFAULTS = new AnomalyConfig(true, Duration.ofSeconds(5), 4.0, 3, 12);
    public static final AnomalyConfig OFF = new AnomalyConfig(false, DEFAULTS.interval, DEFAULTS.threshold,
            DEFAULTS.sustain, DEFAULTS.warmUp);

    public AnomalyConfig {
        if (interval.isNegative() || interval.toMillis() < 100) {
            throw new IllegalArgumentException("--anomaly-interval must be at least 100ms, got " + interval.toMillis() + "ms");
        }
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("--anomaly-threshold must be above 0, got " + threshold);
        }
        if (sustain < 1) {
            throw new IllegalArgumentException("--anomaly-sustain must be at least 1, got " + sustain);
        }
        if (warmUp < 2) {
            throw new IllegalArgumentException("--anomaly-warm-up must be at least 2, got " + warmUp);
        }
    }
}
