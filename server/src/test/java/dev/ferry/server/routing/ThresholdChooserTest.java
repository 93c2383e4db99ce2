package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.server.routing.ThresholdChooser.TradeOff;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ThresholdChooserTest {
    /** Ten requests in each of three bands: predicted 0.95, 0.8, 0.3; observed 1.0, 0.85, 0.2. */
    private static final double[] PREDICTED = bands(0.95, 0.8, 0.3);
    private static final double[] OBSERVED = bands(1.0, 0.85, 0.2);

    private static double[] bands(double a, double b, double c) {
        double[] out = new double[30];
        Arrays.fill(out, 0, 10, a);
        Arrays.fill(out, 10, 20, b);
        Arrays.fill(out, 20, 30, c);
        return out;
    }

    @Test
    void takesAsMuchAsTheTargetAllows() {
        // the top two bands together agree 0.925, at least 0.897 with 95% confidence: enough for 0.88;
        // the third would pull them to 0.68
        TradeOff t = ThresholdChooser.choose(PREDICTED, OBSERVED, 0.88);
        assertEquals(0.55, t.threshold(), 1e-12);
        assertEquals(2 / 3.0, t.fractionSmall(), 1e-12);
        assertEquals(0.925, t.estimatedAgreement(), 1e-12);
        assertEquals(2 / 3.0 * 0.8, t.costSaved(0.2), 1e-12);
    }

    @Test
    void aStricterTargetServesLessSmall() {
        TradeOff t = ThresholdChooser.choose(PREDICTED, OBSERVED, 0.95);
        assertEquals(0.875, t.threshold(), 1e-12);
        assertEquals(1 / 3.0, t.fractionSmall(), 1e-12);
        assertEquals(1.0, t.estimatedAgreement(), 1e-12);
    }

    @Test
    void aTargetNothingMeetsSendsEverythingLarge() {
        TradeOff t = ThresholdChooser.choose(PREDICTED, bands(0.5, 0.4, 0.1), 0.9);
        assertEquals(1.0, t.threshold());
        assertEquals(0.0, t.fractionSmall());
        assertNull(t.estimatedAgreement());
        assertEquals(0.0, t.costSaved(0.5));
    }

    @Test
    void aTargetEverythingMeetsSendsEverythingSmall() {
        TradeOff t = ThresholdChooser.choose(PREDICTED, OBSERVED, 0.5);
        assertEquals(0.0, t.threshold());
        assertEquals(1.0, t.fractionSmall());
    }

    @Test
    void aRareDisagreementAmongFewIsNotTakenOnFaith() {
        // ten agreeing requests and one at 0.2 below them: a mean of 0.927, but on eleven requests that
        // could as well be 0.81; the threshold stops above the disagreeing one
        double[] predicted = {0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90, 0.80};
        double[] observed = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.2};
        TradeOff t = ThresholdChooser.choose(predicted, observed, 0.9);
        assertEquals(0.85, t.threshold(), 1e-12);
        assertEquals(10 / 11.0, t.fractionSmall(), 1e-12);
    }

    @Test
    void equalPredictionsAreNeverSplit() {
        // with one prediction for all, the threshold can take all of them or none
        double[] same = new double[30];
        Arrays.fill(same, 0.7);
        TradeOff t = ThresholdChooser.choose(same, OBSERVED, 0.9);
        assertEquals(0.0, t.fractionSmall());
    }
}
