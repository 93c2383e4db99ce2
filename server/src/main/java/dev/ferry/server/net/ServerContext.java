package dev.ferry.server.net;

import dev.ferry.server.embed.Embeddings;
import dev.ferry.server.metrics.ServerMetrics;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.stream.StreamStats;
import java.util.concurrent.Executor;

/**
 * What the gRPC and HTTP front ends share: the inference front of the engines, the model registry,
 * the API keys, stream figures, the executor that drains token streams onto the network, the
 * server's own metrics (which the inference front should report to), and the embedding models' door.
 */
public record ServerContext(Inference inference, ApiKeys keys, StreamStats streams, Executor streamExecutor,
                            ServerMetrics metrics, Embeddings embeddings) {

    /** Embeddings without a cache. */
    public ServerContext(Inference inference, ApiKeys keys, StreamStats streams, Executor streamExecutor,
                         ServerMetrics metrics) {
        this(inference, keys, streams, streamExecutor, metrics, new Embeddings(inference, null));
    }

    /** Without server metrics: /metrics shows the engines' and the streams' figures only. */
    public ServerContext(Inference inference, ApiKeys keys, StreamStats streams, Executor streamExecutor) {
        this(inference, keys, streams, streamExecutor, ServerMetrics.countingOnly());
    }

    public ModelRegistry registry() {
        return inference.registry();
    }
}
