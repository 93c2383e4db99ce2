package dev.ferry.server.grpc;

import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A Ferry server on ephemeral ports over the tiny test model, and a plaintext channel to it. */
final class GrpcTestServer implements AutoCloseable {
    final ServingFixture fixture;
    final FerryServer server;
    final ManagedChannel channel;

    GrpcTestServer(Path store, ApiKeys keys, ServingLimits limits, EngineConfig engine, int streamBufferBytes)
            throws IOException {
        this(store, keys, limits, engine, streamBufferBytes, ResponseCacheConfig.DISABLED);
    }

    GrpcTestServer(Path store, ApiKeys keys, ServingLimits limits, EngineConfig engine, int streamBufferBytes,
                   ResponseCacheConfig responseCache) throws IOException {
        this(new ServingFixture(store, keys, limits, engine), keys, limits, streamBufferBytes, responseCache);
    }

    /** A server over {@code fixture}, with default limits and no response cache. */
    GrpcTestServer(ServingFixture fixture) throws IOException {
        this(fixture, ApiKeys.none(), ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES,
                ResponseCacheConfig.DISABLED);
    }

    private GrpcTestServer(ServingFixture fixture, ApiKeys keys, ServingLimits limits, int streamBufferBytes,
                           ResponseCacheConfig responseCache) throws IOException {
        this.fixture = fixture;
        server = FerryServer.start(fixture.registry,
                new FerryServer.Options("127.0.0.1", 0, 0, keys, limits, streamBufferBytes, responseCache));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    GrpcTestServer(Path store) throws IOException {
        this(store, ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS,
                FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES);
    }

    InferenceGrpc.InferenceBlockingStub blocking() {
        return InferenceGrpc.newBlockingStub(channel);
    }

    InferenceGrpc.InferenceStub async() {
        return InferenceGrpc.newStub(channel);
    }

    ModelsGrpc.ModelsBlockingStub models() {
        return ModelsGrpc.newBlockingStub(channel);
    }

    /** Fails unless the model's engine has no running or waiting sequence and no referenced KV block within {@code millis}. */
    void assertEngineIdleWithin(long millis) throws InterruptedException {
        var metrics = fixture.registry.get(ServingFixture.MODEL).instance().engine().metrics();
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            var s = metrics.snapshot();
            if (s.running() == 0 && s.waiting() == 0 && s.kvBlocksUsed() == 0) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("after " + millis + " ms: running " + s.running() + ", waiting " + s.waiting()
                        + ", referenced KV blocks " + s.kvBlocksUsed());
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
        fixture.close();
    }
}
