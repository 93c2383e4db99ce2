package dev.ferry.server.embed;

import java.util.Arrays;

/**
 * Shorter embeddings from a Matryoshka-trained model: its first dimensions carry the most, so a
 * prefix of the vector is itself an embedding. A prefix of a unit vector is shorter than one, so it
 * is scaled back to unit length when the model normalizes.
 */
final class Matryoshka {
    private Matryoshka() {}

    /** {@code vector}'s first {@code dimensions} floats (the vector itself when that is all of it). */
    static float[] cut(float[] vector, int dimensions, boolean normalize) {
        if (dimensions == vector.length) {
            return vector;
        }
        float[] out = Arrays.copyOf(vector, dimensions);
        if (normalize) {
            double sum = 0;
            for (float x : out) {
                sum += (double) x * x;
            }
            float scale = sum == 0 ? 0 : (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < out.length; i++) {
                out[i] *= scale;
            }
        }
        return out;
    }
}
