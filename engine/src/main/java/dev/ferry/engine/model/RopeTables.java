package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.model.cpu.HostRope;
import dev.ferry.store.config.DecoderConfig;

/**
 * Rotary position embedding in Hugging Face's rotate_half layout: element i pairs with element
 * i + d/2. Angles are computed in float64 (as the reference implementation does) and stored per
 * position. rotate_half is a signed permutation, applied as one small matrix product
 * ({@code x @ R}, exact: R holds only 0 and ±1), so rotating q and k together is four ops:
 * {@code x * cos + (x @ R) * sin}.
 */
public final class RopeTables implements HostRope {
    private final NDArray cos;      // [positions, headDim]
    private final NDArray sin;      // [positions, headDim]
    private final NDArray rotation; // [headDim, headDim]: x @ rotation == rotate_half(x)
    private final int headDim;
    /** Inverse frequencies, after scaling: the device tables and the host rows both come from them. */
    private final double[] inverseFrequencies;

    public RopeTables(DecoderConfig c, int positions, DataType dtype, NDManager manager) {
        headDim = c.headDim();
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / headDim);
        }
        if (c.ropeScaling() != null) {
            inv = c.ropeScaling().apply(inv);
        }
        inverseFrequencies = inv;
        double[] cosData = new double[positions * headDim];
        double[] sinData = new double[positions * headDim];
        for (int p = 0; p < positions; p++) {
            angles(p, cosData, sinData, p * headDim);
        }
        cos = manager.create(cosData, new Shape(positions, headDim)).toType(dtype, false);
        sin = manager.create(sinData, new Shape(positions, headDim)).toType(dtype, false);
        double[] r = new double[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1; // out[j] = -x[j + d/2]
            r[j * headDim + j + half] = 1;    // out[j + d/2] = x[j]
        }
        rotation = manager.create(r, new Shape(headDim, headDim)).toType(dtype, false);
    }

    /** The step's per-token tables, {@code [tokens, 1, headDim]} each, gathered once for all layers. */
    NDArray[] gather(NDArray positions) {
        NDArray c = JniUtils.embedding((PtNDArray) positions, (PtNDArray) cos, false);
        NDArray s = JniUtils.embedding((PtNDArray) positions, (PtNDArray) sin, false);
        long t = positions.getShape().get(0);
        return new NDArray[] {c.reshape(t, 1, headDim), s.reshape(t, 1, headDim)};
    }

    /**
     * The cos (index 0) and sin (1) rows of one position, the same float values as the device
     * tables hold (each computed in double, then rounded once).
     */
    @Override
    public float[][] hostRows(int position) {
        double[] cos = new double[headDim];
        double[] sin = new double[headDim];
        angles(position, cos, sin, 0);
        float[][] cs = new float[2][headDim];
        for (int i = 0; i < headDim; i++) {
            cs[0][i] = (float) cos[i];
            cs[1][i] = (float) sin[i];
        }
        return cs;
    }

    /** cos and sin of one position's angles, in rotate_half's layout, at {@code offset} of each array. */
    private void angles(int position, double[] cos, double[] sin, int offset) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = position * inverseFrequencies[i];
            cos[offset + i] = cos[offset + half + i] = Math.cos(angle);
            sin[offset + i] = sin[offset + half + i] = Math.sin(angle);
        }
    }

    /**
     * Rotates {@code heads} heads of {@code x} in place from {@code offset}, with rows from {@link
     * #hostRows}: {@code x * cos + rotate_half(x) * sin} in the float operations and order of {@link
     * #apply}, so the result is the same bit for bit.
     */
    @Override
    public void rotateOnHost(float[] x, int offset, int heads, float[][] cosSin) {
        int half = headDim / 2;
        float[] cos = cosSin[0];
        float[] sin = cosSin[1];
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float x1 = x[base + i];
                float x2 = x[base + half + i];
                x[base + i] = x1 * cos[i] + -x2 * sin[i];
                x[base + half + i] = x2 * cos[half + i] + x1 * sin[half + i];
            }
        }
    }

    /** Rotates {@code x: [tokens, heads, headDim]} with tables from {@link #gather}. */
    NDArray apply(NDArray x, NDArray[] cosSin) {
        NDArray rotated = x.matMul(rotation);
        return x.mul(cosSin[0]).addi(rotated.muli(cosSin[1]));
    }
}
