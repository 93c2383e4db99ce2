package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.store.config.DecoderConfig;

/**
 * Rotary position embedding in Hugging Face's rotate_half layout: element i pairs with element
 * i + d/2. Angles are computed in float64 (as the reference implementation does) and stored per
 * position; the sine table carries the sign of rotate_half ({@code [-sin, sin]}), so rotating is
 * {@code x * cos + swapHalves(x) * sinSigned} with no negation op.
 */
final class RopeTables {
    private final NDArray cos;       // [positions, headDim]
    private final NDArray sinSigned; // [positions, headDim]
    private final int headDim;
    private final NDIndex firstHalf;
    private final NDIndex secondHalf;

    RopeTables(DecoderConfig c, int positions, DataType dtype, NDManager manager) {
        headDim = c.headDim();
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / headDim);
        }
        if (c.ropeScaling() != null) {
            inv = c.ropeScaling().apply(inv);
        }
        double[] cosData = new double[positions * headDim];
        double[] sinData = new double[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inv[i];
                double cs = Math.cos(angle);
                double sn = Math.sin(angle);
                cosData[p * headDim + i] = cs;
                cosData[p * headDim + half + i] = cs;
                sinData[p * headDim + i] = -sn;
                sinData[p * headDim + half + i] = sn;
            }
        }
        cos = manager.create(cosData, new Shape(positions, headDim)).toType(dtype, false);
        sinSigned = manager.create(sinData, new Shape(positions, headDim)).toType(dtype, false);
        firstHalf = new NDIndex("..., :" + half);
        secondHalf = new NDIndex("..., " + half + ":");
    }

    /** The step's per-token tables, {@code [tokens, 1, headDim]} each, gathered once for all layers. */
    NDArray[] gather(NDArray positions) {
        NDArray c = JniUtils.embedding((PtNDArray) positions, (PtNDArray) cos, false);
        NDArray s = JniUtils.embedding((PtNDArray) positions, (PtNDArray) sinSigned, false);
        long t = positions.getShape().get(0);
        return new NDArray[] {c.reshape(t, 1, headDim), s.reshape(t, 1, headDim)};
    }

    /** Rotates {@code x: [tokens, heads, headDim]} with tables from {@link #gather}. */
    NDArray apply(NDArray x, NDArray[] cosSin) {
        NDArray swapped = x.get(secondHalf).concat(x.get(firstHalf), -1);
        NDArray out = x.mul(cosSin[0]);
        return out.addi(swapped.muli(cosSin[1]));
    }
}
