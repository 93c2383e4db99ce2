package dev.ferry.server.grpc;

import dev.ferry.server.affinity.PrefixRouter;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.net.Loopback;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.net.UntilJitQuiet;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server: {@code ferry.v1.Inference}, {@code ferry.v1.Embeddings}, {@code ferry.v1.Models},
 * {@code ferry.v1.Routing}, {@code ferry.v1.Tokenizer} behind API-key checks,
 * standard {@code grpc.health.v1.Health} (overall as "": SERVING while any model serves and the server
 * is not draining; per model name: SERVING while that model does) and server reflection
 * (v1 and v1alpha, so grpcurl works unchanged), on the shared Netty event loops.
 */
public final class GrpcServer implements AutoCloseable {
    private static final int MAX_CALLS_PER_CONNECTION = 1024;
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ServerContext ctx;
    private final InetSocketAddress address;

    private GrpcServer(ServerContext ctx, NettyTransport transport, InetSocketAddress address, int streamBufferBytes,
                       Executor callExecutor, Executor adminExecutor) {
        this.ctx = ctx;
        this.address = address;
        AuthInterceptor auth = new AuthInterceptor(ctx.keys(), ctx.inference());
        server = NettyServerBuilder.forAddress(address)
                .bossEventLoopGroup(transport.boss())
                .workerEventLoopGroup(transport.workers())
                .channelType(transport.serverChannelType())
                .executor(callExecutor)
                .maxInboundMessageSize(ctx.inference().limits().maxRequestBytes())
                // HTTP/2 streams one connection may hold open: without a bound, one client's burst queues
                // calls on the call executor without limit; past it, the client waits for a stream
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                .addService(ServerInterceptors.intercept(new InferenceService(ctx, streamBufferBytes), new CacheTrailer(),
                        auth))
                .addService(ServerInterceptors.intercept(new ModelsService(ctx.registry(), adminExecutor), auth))
                .addService(ServerInterceptors.intercept(new RoutingService(new PrefixRouter(ctx.inference()),
                        ctx.inference().routing()), auth))
                .addService(ServerInterceptors.intercept(new TokenizerService(ctx.inference().tokenization()), auth))
                .addService(ServerInterceptors.intercept(new EmbeddingsService(ctx.embeddings()), new CacheTrailer(), auth))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
        ctx.registry().onChange(this::report);
        ctx.registry().list().forEach(this::report);
    }

    /**
     * Starts serving.
     *
     * @param streamBufferBytes bytes a Generate stream may have queued in the transport (beyond
     *     the client's HTTP/2 window) before its pump holds tokens back and coalesces them
     * @param callExecutor runs the service callbacks; they never block
     * @param adminExecutor runs model loads and unloads, which take seconds
     */
    public static GrpcServer start(ServerContext ctx, NettyTransport transport, InetSocketAddress address,
                                   int streamBufferBytes, Executor callExecutor, Executor adminExecutor)
            throws IOException {
        GrpcServer s = new GrpcServer(ctx, transport, address, streamBufferBytes, callExecutor, adminExecutor);
        s.server.start();
        s.reportOverall();
        return s;
    }

    public int port() {
        return server.getPort();
    }

    /**
     * Runs the transport through the JIT with health checks to this server over loopback (see
     * {@link CallWarmUp}) on the calling thread.
     *
     * @return how many were answered
     */
    public int warmUpCalls() throws InterruptedException {
        return CallWarmUp.run(new InetSocketAddress(address.getAddress(), port()), CallWarmUp.CALLS);
    }

    /**
     * Runs {@code model}'s Generate path through the JIT (see {@link GenerateWarmUp}): short streamed
     * calls over loopback until the JIT goes quiet or {@code limit} has passed.
     *
     * @param apiKey a key the server accepts, or null when it is open
     * @return a part of the log line
     */
    public String warmUpGenerate(ServedModel model, String apiKey, Duration limit) throws InterruptedException {
        GenerateWarmUp.Outcome o = GenerateWarmUp.run(Loopback.reach(new InetSocketAddress(address.getAddress(), port())),
                apiKey, model.name(), model.instance().config().maxNumSeqs(), limit);
        return o.completed() + " of " + o.calls() + " Generate calls completed" + UntilJitQuiet.ending(o.settled());
    }

    private void report(ServedModel m) {
        health.setStatus(m.name(), m.isReady() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        reportOverall();
    }

    private void reportOverall() {
        boolean serving = ctx.registry().anyServing() && !ctx.inference().isDraining();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
                serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    /** Health answers NOT_SERVING from now on, so balancers stop sending new calls. */
    public void enterDraining() {
        health.enterTerminalState();
    }

    /** Stops accepting calls; those in flight go on until they end or {@link #awaitTermination} gives up. */
    public void shutdown() {
        server.shutdown();
    }

    /** Waits for calls in flight; cancels what is left after {@code millis}. */
    public boolean awaitTermination(long millis) throws InterruptedException {
        if (server.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
            return true;
        }
        server.shutdownNow();
        return server.awaitTermination(2, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
