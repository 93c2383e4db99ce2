package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.ferry.engine.model.cpu.SwiGluKernel;
import dev.ferry.engine.model.cpu.SwiGluNative;
import dev.ferry.engine.model.cpu.VectorApi;

/**
 * The gated MLP's activation {@code silu(gate) · up} on a fused gate/up product. On exactly the
 * steps whose attention runs on the host it runs there too, one new tensor instead of five libtorch
 * ops: by the native kernels ({@link SwiGluNative}), else in Java where the JVM has the Vector API
 * ({@link SwiGluKernel}); it takes that choice from the step's {@link Attention.Step} rather than
 * making its own.
 */
public final class SwiGlu {
    /** The Java kernel: null where the native one runs, or on a JVM without the Vector API. */
    private final SwiGluKernel kernel;
    private final int inter;
    private final NDIndex gates;
    private final NDIndex ups;

    /** @param inter the intermediate size: gate/up products are {@code [T, 2 * inter]}, gates first */
    public SwiGlu(int inter) {
        this.kernel = !SwiGluNative.available() && VectorApi.available() ? new SwiGluKernel(inter) : null;
        this.inter = inter;
        gates = new NDIndex(":, :" + inter);
        ups = new NDIndex(":, " + inter + ":");
    }

    /** {@code gateUp: [T, 2 * inter]} contiguous; returns {@code [T, inter]}. */
    public NDArray apply(NDArray gateUp, Attention.Step step) {
        StepInputs in = step.inputs();
        if (step.hostKernels()) {
            if (SwiGluNative.available()) {
                return SwiGluNative.apply(gateUp, in.numTokens, inter, in.buffers);
            }
            if (kernel != null) {
                return kernel.apply(gateUp, in.numTokens, in.buffers);
            }
        }
        NDManager m = in.manager;
        NDArray gate = gateUp.get(m, gates);
        return gate.getNDArrayInternal().sigmoid().muli(gate).muli(gateUp.get(m, ups));
    }

    /** Gets the Java kernel compiled before the first request; nothing without it. */
    public void warmUp() {
        if (kernel != null) {
            kernel.warmUp();
        }
    }
}
