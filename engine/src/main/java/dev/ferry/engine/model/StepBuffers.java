package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * The fp32 arrays a step's Java kernels write whole outputs into (products on the host, attention,
 * the gated activation): one per shape, allocated by the first layer and written again by every
 * layer after it, so that a layer on the Java kernels issues no libtorch op at all (a new array
 * each is an allocation through JNI, and four of them were most of a batch-1 layer's ops).
 *
 * <p>The contract that makes the reuse safe: an array from here is read before the step asks for
 * the same shape again. It holds in a decoder layer, where each such output feeds the next op and
 * is dead before the next output is written; an output kept longer (the logits) takes a new array.
 */
public final class StepBuffers {
    private final NDManager step;
    private final Map<Shape, NDArray> byShape = new HashMap<>();

    public StepBuffers(NDManager step) {
        this.step = step;
    }

    /** A {@code [rows, cols]} fp32 array whose contents are undefined: the caller writes all of it. */
    public NDArray get(long rows, long cols) {
        return byShape.computeIfAbsent(new Shape(rows, cols), s -> step.create(s, DataType.FLOAT32));
    }
}
