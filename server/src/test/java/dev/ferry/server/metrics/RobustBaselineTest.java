package dev.ferry.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.metrics.RobustBaseline.Change;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RobustBaselineTest {
    private static final AnomalyConfig CONFIG = new AnomalyConfig(true, Duration.ofSeconds(1), 4, 3, 12);

    private static RobustBaseline detector() {
        return new RobustBaseline(CONFIG, 0.1, 0.001);
    }

    /** Feeds normal noise around {@code mean} (spread {@code sd}) and returns how many anomalies it raised. */
    private static int noise(RobustBaseline d, Random random, int n, double mean, double sd) {
        int raised = 0;
        for (int i = 0; i < n; i++) {
            raised += d.observe(mean + sd * random.nextGaussian()) == Change.RAISED ? 1 : 0;
        }
        return raised;
    }

    @Test
    void steadyNoiseAndLoneSpikesRaiseNothing() {
        RobustBaseline d = detector();
        Random random = new Random(7);
        assertEquals(0, noise(d, random, 500, 10, 1));
        for (int i = 0; i < 20; i++) { // one interval in ten at ten times the level: never three in a row
            assertEquals(Change.NONE, d.observe(100));
            assertEquals(0, noise(d, random, 9, 10, 1));
        }
        assertEquals(10, d.baseline(), 1.5, "spikes barely move the baseline");
        assertEquals(0, d.raised());
    }

    @Test
    void aSustainedStepIsRaisedOnItsThirdIntervalAndClearedThreeAfterItEnds() {
        RobustBaseline d = detector();
        Random random = new Random(11);
        noise(d, random, 100, 10, 1);
        assertEquals(Change.NONE, d.observe(30));
        assertEquals(Change.NONE, d.observe(31));
        assertEquals(Change.RAISED, d.observe(29));
        assertTrue(d.active());
        assertTrue(d.score() > 4, "score " + d.score());
        for (int i = 0; i < 10; i++) {
            assertEquals(Change.NONE, d.observe(30), "one alert per anomaly");
        }
        assertEquals(10, d.baseline(), 3, "the baseline learns slowly while an anomaly is open");
        assertEquals(Change.NONE, d.observe(10));
        assertEquals(Change.NONE, d.observe(10.5));
        assertEquals(Change.CLEARED, d.observe(9.5));
        assertFalse(d.active());
        assertEquals(1, d.raised());
    }

    @Test
    void fallsAreNoAlarm() {
        RobustBaseline d = detector();
        noise(d, new Random(3), 100, 10, 1);
        for (int i = 0; i < 20; i++) {
            assertEquals(Change.NONE, d.observe(1));
        }
        assertTrue(d.score() < 0);
    }

    @Test
    void aFlatSeriesIsNotAlarmedByWigglesUnderTheFloor() {
        RobustBaseline d = detector();
        for (int i = 0; i < 50; i++) {
            d.observe(5);
        }
        for (int i = 0; i < 20; i++) { // +30%: three tenths of the level, under four floor-spreads of 10%
            assertEquals(Change.NONE, d.observe(6.5));
        }
        assertEquals(0, d.raised());
    }

    @Test
    void nothingIsJudgedDuringTheWarmUpAndNaNIsNoObservation() {
        RobustBaseline d = detector();
        for (int i = 0; i < 6; i++) {
            d.observe(10);
        }
        for (int i = 0; i < 6; i++) { // observations 7-12: still warming up
            assertEquals(Change.NONE, d.observe(100));
            assertEquals(Change.NONE, d.observe(Double.NaN));
        }
        assertFalse(d.active());
    }

    @Test
    void aLastingShiftBecomesTheNewNormal() {
        RobustBaseline d = detector();
        Random random = new Random(5);
        noise(d, random, 100, 10, 1);
        int raisedAt = -1;
        int clearedAt = -1;
        for (int i = 0; i < 1_000 && clearedAt < 0; i++) {
            Change c = d.observe(20 + random.nextGaussian());
            raisedAt = c == Change.RAISED ? i : raisedAt;
            clearedAt = c == Change.CLEARED ? i : clearedAt;
        }
        assertEquals(2, raisedAt);
        assertTrue(clearedAt > 20 && clearedAt < 400, "cleared at " + clearedAt);
        assertEquals(20, d.baseline(), 3);
        assertEquals(0, noise(d, random, 300, 20, 1), "the new level is normal now");
    }
}
