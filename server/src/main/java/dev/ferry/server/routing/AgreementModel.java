package dev.ferry.server.routing;

/**
 * Logistic regression from {@link PromptFeatures} to the agreement the small tier's answer would reach
 * with the large tier's: {@code sigmoid(bias + weights . x)}, a number in (0, 1).
 *
 * @param weights one per feature, {@link PromptFeatures#WIDTH} of them
 */
record AgreementModel(double bias, double[] weights) {
    AgreementModel {
        if (weights.length != PromptFeatures.WIDTH) {
            throw new IllegalArgumentException("an agreement model needs " + PromptFeatures.WIDTH + " weights, got "
                    + weights.length);
        }
    }

    double predict(PromptFeatures.Vector x) {
        double z = bias;
        int[] index = x.index();
        double[] value = x.value();
        for (int i = 0; i < index.length; i++) {
            z += weights[index[i]] * value[i];
        }
        return sigmoid(z);
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
