package dev.ferry.server.grpc;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.admission.AdmissionLimits;
import dev.ferry.server.http.HttpApiServer;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.stream.StreamStats;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * gRPC and HTTP over a store of two models behind the route {@code auto}: "small" (the tiny model,
 * tier small) and "large" (a larger one, tier large), complex from 16 prompt tokens on.
 */
final class TwoModelServer implements AutoCloseable {
    final ModelRegistry registry;
    final Inference inference;
    final GrpcServer grpc;
    final HttpApiServer http;
    final ManagedChannel channel;
    private final NettyTransport transport = new NettyTransport(2);
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    /** @param largeProperties more ferry.properties lines for the large model */
    TwoModelServer(Path store, AdmissionLimits admission, String largeProperties) throws IOException {
        ServingFixture.createTinyModel(store.resolve("small"), 1);
        Files.writeString(store.resolve("small/ferry.properties"), "tier = small\n");
        ServingFixture.createLargerModel(store.resolve("large"), 2);
        Files.writeString(store.resolve("large/ferry.properties"), "tier = large\nkv-cache-memory = 8MiB\n"
                + largeProperties);
        Files.writeString(store.resolve("routes.properties"), """
                route.auto.candidates = small, large
                route.auto.policy = complexity
                route.auto.complexity.prompt-tokens = 16
                route.auto.complexity.max-tokens = 1000
                """);
        registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(),
                s -> s.maxNumSeqs() != null ? EngineConfig.DEFAULTS.withMaxNumSeqs(s.maxNumSeqs()) : EngineConfig.DEFAULTS,
                admission), Duration.ofSeconds(30));
        registry.loadAll();
        inference = new Inference(registry, ServingLimits.DEFAULTS);
        ServerContext ctx = new ServerContext(inference, ApiKeys.none(), new StreamStats(), executor);
        grpc = GrpcServer.start(ctx, transport, new InetSocketAddress("127.0.0.1", 0), 32 * 1024, executor, executor);
        http = HttpApiServer.start(ctx, transport, "127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        grpc.close();
        http.close();
        transport.close();
        registry.close();
        inference.routing().close();
        executor.shutdownNow();
    }
}
