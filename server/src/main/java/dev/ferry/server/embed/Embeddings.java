package dev.ferry.server.embed;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.cache.EmbeddingCache;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.serving.Inference;
import java.util.concurrent.CompletableFuture;

/**
 * The transport-neutral door to the server's embedding models, the same for HTTP and gRPC:
 * resolves the model a request names (refusing a generator, an unready model, a draining server)
 * and runs the request through the {@link EmbeddingPipeline} with the server's embedding cache.
 */
public final class Embeddings {
    private final Inference inference;
    private final EmbeddingCache cache;
    private final EmbeddingPipeline pipeline;

    /** @param cache vectors of inputs seen before; null for none */
    public Embeddings(Inference inference, EmbeddingCache cache) {
        this.inference = inference;
        this.cache = cache;
        this.pipeline = new EmbeddingPipeline(cache);
        if (cache != null) {
            // the fingerprint is read once the model is ready, off the request path
            inference.registry().onChange(m -> {
                if (m.servesEmbeddings()) {
                    m.embedder().folder().contentHash();
                }
            });
        }
    }

    /** The cache's figures; null when there is no cache. */
    public EmbeddingCache.Stats cacheStats() {
        return cache == null ? null : cache.stats();
    }

    /**
     * Embeds the request's inputs. Bad input, an unknown or unready model and a draining server are
     * refused at once with an {@link ApiException}; a full batcher queue fails the future with one
     * (RESOURCE_EXHAUSTED).
     */
    public CompletableFuture<EmbeddingResult> embed(EmbeddingRequest request) {
        if (inference.isDraining()) {
            throw ApiException.unavailable("the server is shutting down; retry on another instance");
        }
        ServedModel model = inference.registry().resolve(request.model());
        Inference.refuseUnlessReady(model);
        if (!model.servesEmbeddings()) {
            throw ApiException.invalid("model", "'" + model.name() + "' is a text-generation model, not an "
                    + "embedding model; name one that serves /v1/embeddings");
        }
        return pipeline.embed(model.name(), model.embedder(), request);
    }
}
