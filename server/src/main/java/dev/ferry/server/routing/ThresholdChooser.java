package dev.ferry.server.routing;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Chooses where a route cuts predicted agreement: on held-out shadowed requests (the model never
 * trained on them), sorted by predicted agreement, it takes the longest run from the top whose mean
 * observed agreement still reaches the target, and reaches it with 95% confidence (the mean less 1.645
 * standard errors). That serves as much as possible on the small tier while the agreement of what it
 * serves stays at or above what the operator asked for. The margin matters: the longest run is picked
 * for its mean, so on a few dozen held-out requests the plain mean flatters it, and fresh traffic past
 * the same threshold agrees less.
 */
final class ThresholdChooser {
    /** One-sided 95% normal quantile. */
    private static final double Z = 1.645;

    /**
     * The trade-off at a threshold, estimated on the held-out shadows.
     *
     * @param target the agreement the threshold was chosen to meet
     * @param threshold requests whose predicted agreement is above it go to the small tier
     * @param fractionSmall the share of held-out shadowed requests the threshold sends small
     * @param estimatedAgreement their mean observed agreement (at least the target with 95% confidence);
     *     null when none goes small
     */
    record TradeOff(double target, double threshold, double fractionSmall, Double estimatedAgreement) {
        /**
         * The share of the large tier's cost that routing saves, against sending everything large:
         * {@code fractionSmall * (1 - smallCost)}, where a small-tier request costs {@code smallCost}
         * of a large-tier one. Null when the route states no cost.
         */
        Double costSaved(Double smallCost) {
            return smallCost == null ? null : fractionSmall * (1 - smallCost);
        }
    }

    private ThresholdChooser() {}

    /** @param predicted and {@code observed}: the held-out requests' predicted and measured agreement, pairwise */
    static TradeOff choose(double[] predicted, double[] observed, double target) {
        int n = predicted.length;
        int[] order = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> predicted[i]).reversed())
                .mapToInt(Integer::intValue).toArray();
        int best = 0;
        double bestSum = 0;
        double sum = 0;
        double squares = 0;
        for (int k = 1; k <= n; k++) {
            double a = observed[order[k - 1]];
            sum += a;
            squares += a * a;
            double mean = sum / k;
            double standardError = Math.sqrt(Math.max(0, squares / k - mean * mean) / k);
            // a threshold cannot split equal predictions
            boolean tiedWithNext = k < n && predicted[order[k]] == predicted[order[k - 1]];
            if (!tiedWithNext && mean - Z * standardError >= target - 1e-12) {
                best = k;
                bestSum = sum;
            }
        }
        // midway between the last request sent small and the first kept large; all or nothing at the ends
        double threshold = best == 0 ? 1 : best == n ? 0 : (predicted[order[best - 1]] + predicted[order[best]]) / 2;
        return new TradeOff(target, threshold, n == 0 ? 0 : (double) best / n, best == 0 ? null : bestSum / best);
    }
}
