package dev.ferry.server.routing;

import java.util.List;
import java.util.Random;

/**
 * Fits an {@link AgreementModel} to shadowed requests: logistic regression on the soft label
 * {@code agreement} (cross-entropy against a target in [0, 1], so a pair that agreed on 70% of its
 * tokens pulls the prediction towards 0.7), by stochastic gradient descent with AdaGrad steps and a
 * little L2 shrinkage. Hashed n-grams are sparse and most appear in few prompts; AdaGrad gives those
 * rare features larger steps than the always-present dense ones.
 */
final class AgreementTrainer {
    /** A shadowed request as training sees it. */
    record Example(PromptFeatures.Vector features, double agreement) {}

    private static final int EPOCHS = 30;
    private static final double RATE = 0.5;
    private static final double L2 = 1e-4;

    private AgreementTrainer() {}

    /** Deterministic for the same examples in the same order: the shuffle is seeded. */
    static AgreementModel fit(List<Example> examples) {
        double[] w = new double[PromptFeatures.WIDTH];
        double[] g2 = new double[PromptFeatures.WIDTH];
        double bias = 0;
        double biasG2 = 0;
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random random = new Random(42);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            shuffle(order, random);
            for (int k : order) {
                Example e = examples.get(k);
                int[] index = e.features().index();
                double[] value = e.features().value();
                double z = bias;
                for (int i = 0; i < index.length; i++) {
                    z += w[index[i]] * value[i];
                }
                double error = AgreementModel.sigmoid(z) - e.agreement(); // d(cross-entropy)/dz
                biasG2 += error * error;
                bias -= RATE * error / Math.sqrt(biasG2 + 1e-8);
                for (int i = 0; i < index.length; i++) {
                    int j = index[i];
                    double g = error * value[i] + L2 * w[j];
                    g2[j] += g * g;
                    w[j] -= RATE * g / Math.sqrt(g2[j] + 1e-8);
                }
            }
        }
        return new AgreementModel(bias, w);
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
