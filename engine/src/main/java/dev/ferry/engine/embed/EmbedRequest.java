package dev.ferry.engine.embed;

import java.util.concurrent.CompletableFuture;

/**
 * One client's list of inputs, which may be embedded across several batches: each vector lands at
 * its input's index, and the future completes when the last one does. Written only by the batcher
 * thread.
 */
final class EmbedRequest {
    private final float[][] vectors;
    private final CompletableFuture<float[][]> future = new CompletableFuture<>();
    private int missing;

    EmbedRequest(int inputs) {
        this.vectors = new float[inputs][];
        this.missing = inputs;
    }

    void put(int index, float[] vector) {
        vectors[index] = vector;
        if (--missing == 0) {
            future.complete(vectors);
        }
    }

    /** Fails the whole request; later vectors of it are dropped. */
    void fail(Throwable cause) {
        future.completeExceptionally(cause);
    }

    boolean done() {
        return future.isDone();
    }

    CompletableFuture<float[][]> future() {
        return future;
    }
}
