package dev.ferry.store.config;

/**
 * The {@code rope_scaling} block of a Llama-family config. {@code LINEAR} divides every frequency by
 * {@code factor}; {@code LLAMA3} is the wavelength-dependent scaling of Llama 3.1/3.2.
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {
    public enum Type { LINEAR, LLAMA3 }

    /**
     * Scales the inverse frequencies the way transformers' {@code _compute_llama3_parameters} and
     * linear scaling do, so positions map to the same angles as in the reference implementation.
     */
    public double[] apply(double[] invFreq) {
        double[] out = new double[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            double f = invFreq[i];
            if (type == Type.LINEAR) {
                out[i] = f / factor;
                continue;
            }
            double wavelen = 2 * Math.PI / f;
            double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
            double highFreqWavelen = originalMaxPositions / highFreqFactor;
            if (wavelen < highFreqWavelen) {
                out[i] = f;
            } else if (wavelen > lowFreqWavelen) {
                out[i] = f / factor;
            } else {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - smooth) * f / factor + smooth * f;
            }
        }
        return out;
    }
}
