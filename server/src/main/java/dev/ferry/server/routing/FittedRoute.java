package dev.ferry.server.routing;

/**
 * What one refit of a route's learned scorer produced, as persisted ({@link LearnedRouteStore}): the
 * model, and the held-out shadows' predicted and observed agreement from which any target's threshold
 * is chosen ({@link ThresholdChooser}), so a changed {@code target-agreement} needs no refit.
 *
 * @param featuresVersion the {@link PromptFeatures#VERSION} the model reads
 * @param shadowsSeen shadows the route had received when it was fitted, earlier runs included
 * @param trainedOn the window's shadows at the fit: trained on, and held out
 */
record FittedRoute(String route, int featuresVersion, long shadowsSeen, int trainedOn, long fittedAtMillis,
                   AgreementModel model, double[] heldOutPredicted, double[] heldOutObserved) {

    ThresholdChooser.TradeOff tradeOff(double target) {
        return ThresholdChooser.choose(heldOutPredicted, heldOutObserved, target);
    }
}
