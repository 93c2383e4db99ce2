package dev.ferry.store.config;

import java.util.List;

/**
 * The {@code rope_scaling} block of a config. {@code LINEAR} divides every frequency by
 * {@code factor}; {@code LLAMA3} is the wavelength-dependent scaling of Llama 3.1/3.2; {@code
 * LONGROPE} (Phi-3, Phi-3.5, Phi-4-mini) divides frequency i by {@code shortFactor[i]} while a
 * sequence holds at most {@code originalMaxPositions} tokens and by {@code longFactor[i]} once it
 * holds more, for every position of the sequence, and multiplies cos and sin by {@code
 * attentionFactor}.
 *
 * @param shortFactor LONGROPE's factors per frequency (rotary dim / 2 of them); empty otherwise
 * @param longFactor likewise, for sequences longer than {@code originalMaxPositions}
 * @param attentionFactor what cos and sin are multiplied by; 1 but for LONGROPE
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions, List<Double> shortFactor, List<Double> longFactor,
                          double attentionFactor) {
    public enum Type { LINEAR, LLAMA3, LONGROPE }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, List.of(), List.of(), 1);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions, List.of(),
                List.of(), 1);
    }

    /**
     * LongRoPE; without an explicit attention factor transformers takes {@code sqrt(1 + ln(f) /
     * ln(original))} with {@code f = maxPositions / original} (1 when f <= 1).
     */
    public static RopeScaling longRope(List<Double> shortFactor, List<Double> longFactor, int originalMaxPositions,
                                       int maxPositions, Double attentionFactor) {
        double f = (double) maxPositions / originalMaxPositions;
        double attention = attentionFactor != null ? attentionFactor
                : f <= 1 ? 1 : Math.sqrt(1 + Math.log(f) / Math.log(originalMaxPositions));
        return new RopeScaling(Type.LONGROPE, f, 0, 0, originalMaxPositions, List.copyOf(shortFactor),
                List.copyOf(longFactor), attention);
    }

    /**
     * Whether a sequence of {@code sequenceLength} tokens (prompt and generated, the one being computed
     * included) rotates with the long factors. transformers re-evaluates this every forward, so keys
     * cached while a sequence was shorter are stale once it crosses over.
     */
    public boolean longContext(int sequenceLength) {
        return type == Type.LONGROPE && sequenceLength > originalMaxPositions;
    }

    /** Sets of factors a sequence may rotate with: 2 for LONGROPE (short, long), else 1. */
    public int variants() {
        return type == Type.LONGROPE ? 2 : 1;
    }

    /**
     * Scales the inverse frequencies the way transformers' {@code _compute_llama3_parameters},
     * {@code _compute_longrope_parameters} and linear scaling do, so positions map to the same angles
     * as in the reference implementation.
     *
     * @param variant 1 for LONGROPE's long factors, 0 otherwise
     */
    public double[] apply(double[] invFreq, int variant) {
        double[] out = new double[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            double f = invFreq[i];
            if (type == Type.LINEAR) {
                out[i] = f / factor;
                continue;
            }
            if (type == Type.LONGROPE) {
                out[i] = f / (variant == 1 ? longFactor : shortFactor).get(i);
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
