package dev.ferry.engine.model;

import ai.djl.ndarray.NDManager;

/**
 * Counts the libtorch ops of one forward step, and of its decoder layers alone, by the arrays they
 * leave in the step's manager: every JNI op whose result is a new array (a product, a view, a
 * reshape, a cast, a gather, an upload of host data, an allocation for a Java kernel to fill)
 * attaches that array to the manager of its first input, which during a step is the step's. Not
 * counted: in-place ops ({@code addi}, {@code muli}, the KV write's {@code index_put_}), which
 * create nothing, and the reads of array memory by Ferry's Java kernels. A step closes none of its
 * arrays before the step ends, so none drops out of the count. For benchmarks: reading the count
 * walks the manager's arrays.
 */
public final class OpCounter {
    private int atLayersStart = -1;
    private int atLayersEnd = -1;
    private int layers;

    /** Arrays in {@code step} now, its sub-managers' included. */
    public static int arrays(NDManager step) {
        return step.getManagedArrays().size();
    }

    void layersStart(NDManager step) {
        atLayersStart = arrays(step);
    }

    void layersEnd(NDManager step, int numLayers) {
        atLayersEnd = arrays(step);
        layers = numLayers;
    }

    /** Ops per decoder layer in the step counted last. */
    public double perLayer() {
        if (atLayersStart < 0 || atLayersEnd < 0) {
            throw new IllegalStateException("no step has been counted");
        }
        return (atLayersEnd - atLayersStart) / (double) layers;
    }

    /** Ops of the counted step before and after its layers, given the step's total. */
    public int outsideLayers(int total) {
        return total - (atLayersEnd - atLayersStart);
    }
}
