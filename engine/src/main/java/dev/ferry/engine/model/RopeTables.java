package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.model.cpu.HostRope;
import dev.ferry.engine.step.SequenceSpan;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.RopeScaling;

/**
 * Rotary position embedding in Hugging Face's rotate_half layout: element i pairs with element
 * i + r/2 within the first r dims of a head (r = the rotary dim: all of it, or Phi-3's partial
 * share; the rest pass through as cos 1, sin 0). Angles are computed in float64 (as the reference
 * implementation does) and stored per row. rotate_half is a signed permutation, applied as one small
 * matrix product ({@code x @ R}, exact: R holds only 0 and ±1), so rotating q and k together is
 * four ops: {@code x * cos + (x @ R) * sin}.
 *
 * <p>LongRoPE rotates a sequence with one of two factor sets, chosen by the sequence's length; the
 * tables hold both, the long set's rows after the short set's, so a token's row is its position
 * plus {@code positions} when its sequence is long ({@link #rows}).
 */
public final class RopeTables implements HostRope {
    private final NDArray cos;      // [variants * positions, headDim]
    private final NDArray sin;      // [variants * positions, headDim]
    private final NDArray rotation; // [headDim, headDim]: x @ rotation == rotate_half(x) on the rotary dims
    private final int headDim;
    private final int rotaryDim;
    private final int positions;
    private final RopeScaling scaling;
    private final double attentionFactor;
    /** Inverse frequencies per variant, after scaling: the device tables and the host rows both come from them. */
    private final double[][] inverseFrequencies;

    /** The tables of a model whose layers all rotate alike: the config's base, scaling and rotary dim. */
    public RopeTables(DecoderConfig c, int positions, DataType dtype, NDManager manager) {
        this(c.headDim(), c.rotaryDim(), c.ropeTheta(), c.ropeScaling(), positions, dtype, manager);
    }

    /** @param scaling null for plain RoPE */
    public RopeTables(int headDim, int rotaryDim, double theta, RopeScaling scaling, int positions, DataType dtype,
                      NDManager manager) {
        this.headDim = headDim;
        this.rotaryDim = rotaryDim;
        this.positions = positions;
        this.scaling = scaling;
        int half = rotaryDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / rotaryDim);
        }
        int variants = scaling == null ? 1 : scaling.variants();
        inverseFrequencies = new double[variants][];
        for (int v = 0; v < variants; v++) {
            inverseFrequencies[v] = scaling == null ? inv : scaling.apply(inv, v);
        }
        attentionFactor = scaling == null ? 1 : scaling.attentionFactor();
        int rows = variants * positions;
        double[] cosData = new double[rows * headDim];
        double[] sinData = new double[rows * headDim];
        for (int row = 0; row < rows; row++) {
            angles(row, cosData, sinData, row * headDim);
        }
        cos = manager.create(cosData, new Shape(rows, headDim)).toType(dtype, false);
        sin = manager.create(sinData, new Shape(rows, headDim)).toType(dtype, false);
        double[] r = new double[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1; // out[j] = -x[j + r/2]
            r[j * headDim + j + half] = 1;    // out[j + r/2] = x[j]
        }
        rotation = manager.create(r, new Shape(headDim, headDim)).toType(dtype, false);
    }

    /**
     * Each token's table row: its position, in the long set's rows where LongRoPE's sequence is long
     * (by the whole sequence's length, as transformers decides it for every position at once).
     */
    int[] rows(StepInputs in) {
        if (inverseFrequencies.length == 1) {
            return in.hostPositions;
        }
        int[] rows = in.hostPositions.clone();
        for (SequenceSpan s : in.spans) {
            if (scaling.longContext(s.sequenceLength())) {
                for (int t = s.queryStart(); t < s.queryStart() + s.queryLen(); t++) {
                    rows[t] += positions;
                }
            }
        }
        return rows;
    }

    /** The step's per-token tables, {@code [tokens, 1, headDim]} each, gathered once for all layers. */
    NDArray[] gather(StepInputs in) {
        return gather(inverseFrequencies.length == 1 ? in.positions : in.manager.create(toLong(rows(in))));
    }

    /** The tables of the given rows ({@code [T]} int64, see {@link #rows}), {@code [T, 1, headDim]} each. */
    NDArray[] gather(NDArray rows) {
        NDArray c = JniUtils.embedding((PtNDArray) rows, (PtNDArray) cos, false);
        NDArray s = JniUtils.embedding((PtNDArray) rows, (PtNDArray) sin, false);
        long t = rows.getShape().get(0);
        return new NDArray[] {c.reshape(t, 1, headDim), s.reshape(t, 1, headDim)};
    }

    /**
     * The cos and sin rows of one table row (see {@link #rows}), the same float values as the device
     * tables hold (each computed in double, then rounded once).
     */
    @Override
    public void hostRows(int row, float[] into, int at) {
        double[] cos = new double[headDim];
        double[] sin = new double[headDim];
        angles(row, cos, sin, 0);
        for (int i = 0; i < headDim; i++) {
            into[at + i] = (float) cos[i];
            into[at + headDim + i] = (float) sin[i];
        }
    }

    /** cos and sin of one row's angles, in rotate_half's layout, at {@code offset} of each array. */
    private void angles(int row, double[] cos, double[] sin, int offset) {
        int half = rotaryDim / 2;
        double[] inv = inverseFrequencies[row / positions];
        int position = row % positions;
        for (int i = 0; i < half; i++) {
            double angle = position * inv[i];
            cos[offset + i] = cos[offset + half + i] = attentionFactor * Math.cos(angle);
            sin[offset + i] = sin[offset + half + i] = attentionFactor * Math.sin(angle);
        }
        for (int i = rotaryDim; i < headDim; i++) {
            cos[offset + i] = 1; // dims past the rotary ones pass through
            sin[offset + i] = 0;
        }
    }

    /**
     * Rotates {@code heads} heads of {@code x} in place from {@code offset}, with the rows {@link
     * #hostRows} put at {@code at}: {@code x * cos + rotate_half(x) * sin} in the float operations and order of {@link
     * #apply}, so the result is the same bit for bit (dims past the rotary ones come out as they went in
     * there too: times 1, plus 0).
     */
    @Override
    public void rotateOnHost(float[] x, int offset, int heads, float[] cosSin, int at) {
        int half = rotaryDim / 2;
        int sin = at + headDim;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float x1 = x[base + i];
                float x2 = x[base + half + i];
                x[base + i] = x1 * cosSin[at + i] + -x2 * cosSin[sin + i];
                x[base + half + i] = x2 * cosSin[at + half + i] + x1 * cosSin[sin + half + i];
            }
        }
    }

    @Override
    public int rotaryHalf() {
        return rotaryDim / 2;
    }

    /**
     * Rotates {@code x: [tokens, heads, headDim]} in place (a view of q/k/v, so that q/k/v holds the
     * rotated heads: no new tensor to hold them, no concatenation with the values) with tables from
     * {@link #gather}.
     */
    void applyInPlace(NDArray x, NDArray[] cosSin) {
        NDArray rotated = x.matMul(rotation);
        x.muli(cosSin[0]).addi(rotated.muli(cosSin[1]));
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
