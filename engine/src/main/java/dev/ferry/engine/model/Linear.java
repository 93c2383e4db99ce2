package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * A dense layer {@code y = x W^T + b} that may hold its weight in several physical forms and picks
 * one per batch size. Through DJL on a CPU the fastest form depends on the shape and on the number
 * of rows (a contiguous {@code [in, out]} copy wins for large matrices at one row, {@code linear}
 * on {@code [out, in]} at many; fp16 weights halve the bytes a small batch reads): see
 * {@link LinearTuner}, which measures and sets the choice at load time.
 */
public final class Linear {
    /** Physical forms of the weight. */
    public enum Form {
        /** {@code linear(x, W[out, in])}. */
        OUT_IN,
        /** {@code x.matMul(W[in, out])} on a contiguous transposed copy. */
        IN_OUT,
        /** {@code linear(x16, W16[out, in])} with x cast to fp16 and the result back: fewer bytes read. */
        HALF_OUT_IN
    }

    /** Row-count buckets: bucket b covers up to 2^b rows; the last covers everything larger. */
    static final int BUCKETS = 8;

    private final long in;
    private final long out;
    private final NDArray bias;
    private final Map<Form, NDArray> weights = new EnumMap<>(Form.class);
    private final Form[] choice = new Form[BUCKETS];
    /** The weight given at construction when another component (a tied embedding) also uses it. */
    private NDArray shared;

    /** A layer from its weight in {@code [out, in]} layout (nn.Linear's). */
    public static Linear fromOutIn(NDArray weight, NDArray bias) {
        Linear l = new Linear(weight.getShape().get(1), weight.getShape().get(0), bias);
        l.weights.put(Form.OUT_IN, weight);
        Arrays.fill(l.choice, Form.OUT_IN);
        return l;
    }

    /** Like {@link #fromOutIn} for a weight that stays in use elsewhere (tied embeddings): never closed here. */
    public static Linear sharing(NDArray weight) {
        Linear l = fromOutIn(weight, null);
        l.shared = weight;
        return l;
    }

    /** A layer from its weight in {@code [in, out]} layout (GPT-2's Conv1D). */
    public static Linear fromInOut(NDArray weight, NDArray bias) {
        Linear l = new Linear(weight.getShape().get(0), weight.getShape().get(1), bias);
        l.weights.put(Form.IN_OUT, weight);
        Arrays.fill(l.choice, Form.IN_OUT);
        return l;
    }

    private Linear(long in, long out, NDArray bias) {
        this.in = in;
        this.out = out;
        this.bias = bias;
    }

    public long inFeatures() {
        return in;
    }

    public long outFeatures() {
        return out;
    }

    /** {@code x: [rows, in]} to {@code [rows, out]}; the result belongs to x's manager. */
    public NDArray apply(NDArray x) {
        long rows = x.getShape().get(0);
        return apply(x, choice[bucket(rows)]);
    }

    NDArray apply(NDArray x, Form form) {
        NDArray w = weight(form);
        switch (form) {
            case OUT_IN:
                return JniUtils.linear((PtNDArray) x, (PtNDArray) w, (PtNDArray) bias);
            case IN_OUT: {
                NDArray y = x.matMul(w);
                if (bias != null) {
                    y.addi(bias);
                }
                return y;
            }
            case HALF_OUT_IN: {
                NDArray y = JniUtils.linear((PtNDArray) x.toType(DataType.FLOAT16, false), (PtNDArray) w, null)
                        .toType(x.getDataType(), false);
                if (bias != null) {
                    y.addi(bias);
                }
                return y;
            }
            default:
                throw new IllegalStateException(form.name());
        }
    }

    /** The weight in the given form, made from an existing form on first use. */
    NDArray weight(Form form) {
        NDArray w = weights.get(form);
        if (w != null) {
            return w;
        }
        NDArray outIn = weights.containsKey(Form.OUT_IN) ? weights.get(Form.OUT_IN)
                : contiguousTranspose(weights.get(Form.IN_OUT));
        weights.putIfAbsent(Form.OUT_IN, outIn);
        w = switch (form) {
            case OUT_IN -> outIn;
            case IN_OUT -> contiguousTranspose(outIn);
            case HALF_OUT_IN -> outIn.toType(DataType.FLOAT16, true);
        };
        weights.put(form, w);
        return w;
    }

    /** Sets the form used for a bucket; forms no bucket uses are released. */
    void choose(Form[] forms) {
        System.arraycopy(forms, 0, choice, 0, BUCKETS);
        for (Form f : Form.values()) {
            boolean used = false;
            for (Form c : choice) {
                used |= c == f;
            }
            NDArray w = weights.get(f);
            if (!used && w != null && weights.size() > 1) {
                weights.remove(f);
                if (w != shared && !weights.containsValue(w)) {
                    w.close();
                }
            }
        }
        for (Form f : choice) {
            weight(f);
        }
    }

    Form choice(int bucket) {
        return choice[bucket];
    }

    static int bucket(long rows) {
        int b = 64 - Long.numberOfLeadingZeros(Math.max(1, rows) - 1);
        return Math.min(b, BUCKETS - 1);
    }

    /** A contiguous copy of the transpose; a plain transpose keeps strides and BLAS would see a view. */
    private static NDArray contiguousTranspose(NDArray w) {
        long r = w.getShape().get(0);
        long c = w.getShape().get(1);
        NDArray t = w.transpose();
        NDArray flat = t.reshape(r * c);
        NDArray copy = flat.reshape(c, r);
        flat.close();
        t.close();
        return copy;
    }
}
