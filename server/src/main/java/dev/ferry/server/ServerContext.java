package dev.ferry.server;

import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ModelRegistry;
import dev.ferry.server.stream.StreamStats;
import java.util.concurrent.Executor;

/**
 * What the gRPC and HTTP front ends share: the inference front of the engines, the model registry,
 * the API keys, stream figures, and the executor that drains token streams onto the network.
 */
public record ServerContext(Inference inference, ApiKeys keys, StreamStats streams, Executor streamExecutor) {

    public ModelRegistry registry() {
        return inference.registry();
    }
}
