package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.ferry.engine.model.cpu.SwiGluKernel;
import dev.ferry.engine.model.cpu.VectorApi;

/**
 * The gated MLP's activation {@code silu(gate) · up} on a fused gate/up product. It runs in Java
 * ({@link SwiGluKernel}: one new tensor instead of five libtorch ops) on exactly the steps whose
 * attention runs on the host, where the JVM has the Vector API, so it takes that choice from the
 * step's {@link Attention.Step} rather than making its own.
 */
public final class SwiGlu {
    /** Null on a JVM without the Vector API, where no step runs the Java kernels. */
    private final SwiGluKernel kernel;
    private final NDIndex gates;
    private final NDIndex ups;

    /** @param inter the intermediate size: gate/up products are {@code [T, 2 * inter]}, gates first */
    public SwiGlu(int inter) {
        this.kernel = VectorApi.available() ? new SwiGluKernel(inter) : null;
        gates = new NDIndex(":, :" + inter);
        ups = new NDIndex(":, " + inter + ":");
    }

    /** {@code gateUp: [T, 2 * inter]} contiguous; returns {@code [T, inter]}. */
    public NDArray apply(NDArray gateUp, Attention.Step step) {
        StepInputs in = step.inputs();
        if (kernel != null && step.javaKernels()) {
            return kernel.apply(gateUp, in.numTokens, in.buffers);
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
