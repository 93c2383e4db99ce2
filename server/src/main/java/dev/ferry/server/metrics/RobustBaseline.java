package dev.ferry.server.metrics;

/**
 * One signal's normal level, learned as it streams in, and whether it has left it. The baseline is
 * an exponentially weighted mean and the spread an exponentially weighted mean absolute deviation
 * (times 1.4826, a standard deviation for normal data), each fed the observation clipped to three
 * spreads above or below the mean so that a lone spike barely moves them. The spread never goes
 * under a floor ({@code relativeFloor} of the baseline, or {@code absoluteFloor}): a flat series
 * would otherwise make any wiggle look huge. Only rises count: latency, queue depth and errors
 * falling is no alarm. Nothing is learned from a deviating observation, so a step is not absorbed
 * before it has lasted long enough to raise; while an anomaly is open the baseline learns ten times
 * slower and the spread not at all, so a lasting shift still becomes the new normal (in some
 * {@code 10 / alpha} observations, a quarter of an hour at 5 s each) rather than alarming forever.
 * Used by one thread.
 */
final class RobustBaseline {
    /** What an observation changed. */
    enum Change { NONE, RAISED, CLEARED }

    private static final double ALPHA = 0.1;
    private static final double MAD_TO_SIGMA = 1.4826;
    private static final double CLIP = 3;

    private final AnomalyConfig config;
    private final double relativeFloor;
    private final double absoluteFloor;
    private long observed;
    private double mean;
    private double deviation;
    private double score;
    private int over;
    private int under;
    private boolean active;
    private long raised;

    RobustBaseline(AnomalyConfig config, double relativeFloor, double absoluteFloor) {
        this.config = config;
        this.relativeFloor = relativeFloor;
        this.absoluteFloor = absoluteFloor;
    }

    /** Takes one observation; NaN (nothing measured this interval) changes nothing. */
    Change observe(double value) {
        if (Double.isNaN(value)) {
            return Change.NONE;
        }
        observed++;
        if (observed == 1) {
            mean = value;
            return Change.NONE;
        }
        double sigma = sigma();
        score = (value - mean) / sigma;
        Change change = observed > config.warmUp() ? judge() : Change.NONE;
        if (active) { // the level learns slowly, unclipped; the spread stays that of normal traffic
            mean += ALPHA / 10 * (value - mean);
        } else if (observed <= config.warmUp() || score < config.threshold()) {
            double clipped = Math.max(mean - CLIP * sigma, Math.min(mean + CLIP * sigma, value));
            deviation += ALPHA * (Math.abs(clipped - mean) - deviation);
            mean += ALPHA * (clipped - mean);
        } // else a deviation not yet judged: nothing learned from it
        return change;
    }

    private Change judge() {
        if (!active) {
            over = score >= config.threshold() ? over + 1 : 0;
            if (over >= config.sustain()) {
                active = true;
                raised++;
                under = 0;
                return Change.RAISED;
            }
        } else {
            under = score < config.threshold() / 2 ? under + 1 : 0;
            if (under >= config.sustain()) {
                active = false;
                over = 0;
                return Change.CLEARED;
            }
        }
        return Change.NONE;
    }

    private double sigma() {
        return Math.max(MAD_TO_SIGMA * deviation, Math.max(relativeFloor * Math.abs(mean), absoluteFloor));
    }

    boolean active() {
        return active;
    }

    /** The last observation's distance above the baseline, in robust standard deviations; 0 before two. */
    double score() {
        return score;
    }

    /** The learned level; NaN before the first observation. */
    double baseline() {
        return observed == 0 ? Double.NaN : mean;
    }

    /** Times an anomaly was raised. */
    long raised() {
        return raised;
    }
}
