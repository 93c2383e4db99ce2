package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import dev.ferry.engine.model.StepBuffers;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Llama's MLP activation {@code silu(gate) · up} for the few tokens of a small fp32 CPU step, in
 * SIMD Java on the gate/up product's memory: one new tensor instead of five libtorch ops (two
 * views, sigmoid, two multiplies), which at batch 1 cost more in dispatch than in arithmetic.
 * Uses the incubating Vector API: only made where {@link VectorApi#available()}.
 */
public final class SwiGluKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private final int inter;
    private final float[] gate;
    private final float[] up;

    public SwiGluKernel(int inter) {
        this.inter = inter;
        this.gate = new float[inter];
        this.up = new float[inter];
    }

    /** {@code gateUp: [tokens, 2 * inter]} contiguous, gates first; returns {@code [tokens, inter]}, one of the step's buffers. */
    public NDArray apply(NDArray gateUp, int tokens, StepBuffers buffers) {
        NDArray out = buffers.get(tokens, inter);
        FloatBuffer in = OpenBlas.view(gateUp).asFloatBuffer();
        FloatBuffer result = OpenBlas.view(out).asFloatBuffer();
        for (int t = 0; t < tokens; t++) {
            in.get(2 * t * inter, gate);
            in.get((2 * t + 1) * inter, up);
            activate();
            result.put(t * inter, gate);
        }
        return out;
    }

    /** Runs the arithmetic until the JIT has compiled it (see {@link HostAttention#warmUp}). */
    public void warmUp() {
        for (int i = 0; i < HostAttention.WARM_UP_CALLS; i++) {
            activate();
        }
    }

    /** {@code gate = gate · sigmoid(gate) · up}, one token. */
    private void activate() {
        int i = 0;
        for (; i < SPECIES.loopBound(inter); i += SPECIES.length()) {
            FloatVector g = FloatVector.fromArray(SPECIES, gate, i);
            FloatVector onePlusExp = g.neg().lanewise(VectorOperators.EXP).add(1f);
            g.div(onePlusExp).mul(FloatVector.fromArray(SPECIES, up, i)).intoArray(gate, i);
        }
        for (; i < inter; i++) {
            gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
        }
    }
}
