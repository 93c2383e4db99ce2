package dev.ferry.server.embed;

import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.embed.EncoderBatcher;
import dev.ferry.server.api.ApiException;
import dev.ferry.store.ModelFolder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded embedding model as the server serves it: the encoder on its device behind its own
 * dynamic batcher, the output sizes it may be cut to, and a count of the requests it is running
 * (so an unload lets them finish).
 */
public final class Embedder {
    /** A full batcher queue clears within a few batches. */
    private static final int RETRY_AFTER_SECONDS = 1;
    private static final Duration DRAIN_POLL = Duration.ofMillis(10);

    private final LoadedEncoder encoder;
    private final EncoderBatcher batcher;
    private final List<Integer> matryoshkaDimensions;
    private final AtomicInteger inFlight = new AtomicInteger();

    private Embedder(LoadedEncoder encoder, EncoderBatcher batcher) {
        this.encoder = encoder;
        this.batcher = batcher;
        this.matryoshkaDimensions = encoder.folder().serving().matryoshkaDimensions();
    }

    /**
     * Loads the encoder of {@code folder} and starts its batcher with the folder's batching keys.
     * The folder stays the caller's to close.
     *
     * @throws IllegalArgumentException naming the file or key at fault, as loading does, or a
     *     matryoshka-dimensions size larger than the model's embeddings
     */
    public static Embedder start(ModelFolder folder, LoadOptions options) {
        LoadedEncoder encoder = LoadedEncoder.load(folder, options);
        try {
            for (int size : folder.serving().matryoshkaDimensions()) {
                if (size > encoder.dimensions()) {
                    throw new IllegalArgumentException("ferry.properties: key 'matryoshka-dimensions': " + size
                            + " exceeds the model's " + encoder.dimensions() + " dimensions");
                }
            }
            return new Embedder(encoder, EncoderBatcher.start(encoder, folder.serving().encoderBatching()));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    public LoadedEncoder encoder() {
        return encoder;
    }

    public EncoderBatcher batcher() {
        return batcher;
    }

    public ModelFolder folder() {
        return encoder.folder();
    }

    /** The sizes a request's {@code dimensions} may ask for besides the full one; empty when none. */
    public List<Integer> matryoshkaDimensions() {
        return matryoshkaDimensions;
    }

    /**
     * The vector size a request gets: the model's own when {@code requested} is null.
     *
     * @throws ApiException naming {@code dimensions} for a size the model does not serve
     */
    public int dimensions(Integer requested) {
        int full = encoder.dimensions();
        if (requested == null || requested == full) {
            return full;
        }
        if (requested <= 0 || requested > full) {
            throw ApiException.invalid("dimensions", "must be between 1 and the model's " + full + ", got " + requested);
        }
        if (!matryoshkaDimensions.contains(requested)) {
            throw ApiException.invalid("dimensions", matryoshkaDimensions.isEmpty()
                    ? "model '" + folder().name() + "' serves only its full " + full + " dimensions (it declares no "
                            + "matryoshka-dimensions in ferry.properties)"
                    : "model '" + folder().name() + "' serves " + matryoshkaDimensions + " or its full " + full
                            + " dimensions, not " + requested);
        }
        return requested;
    }

    /**
     * Queues inputs that passed {@link LoadedEncoder#validate(int, int[])}: one vector per input, in
     * order, at the model's full size.
     *
     * @throws ApiException RESOURCE_EXHAUSTED (with a retry hint) when the batcher's queue is full,
     *     UNAVAILABLE once it closed
     */
    public CompletableFuture<float[][]> embed(List<int[]> inputs) {
        inFlight.incrementAndGet();
        CompletableFuture<float[][]> vectors;
        try {
            vectors = batcher.submit(inputs);
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            throw ApiException.ofEngineRefusal(e, RETRY_AFTER_SECONDS);
        }
        return vectors.whenComplete((v, e) -> inFlight.decrementAndGet());
    }

    /**
     * Lets the requests in flight finish within {@code drain}, then stops the batcher (what still
     * waits fails) and frees the weights.
     */
    public void close(Duration drain) {
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(DRAIN_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                batcher.close();
            } finally {
                encoder.close();
            }
        }
    }
}
