package dev.ferry.server;

import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.EmbeddingCache;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.ferry.server.cache.ResponseCache;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.cache.ResultsStore;
import dev.ferry.server.cache.ResultsStoreConfig;
import dev.ferry.server.embed.Embeddings;
import dev.ferry.server.grpc.GrpcServer;
import dev.ferry.server.http.HttpApiServer;
import dev.ferry.server.metrics.Observability;
import dev.ferry.server.metrics.ServerMetrics;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.server.stream.StreamStats;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The server process: gRPC and HTTP front ends on shared Netty event loops over one model registry.
 * It listens at once (liveness answers while models load); readiness follows the models. Shutdown
 * is graceful: refuse new requests, let those in flight finish within a grace period, cancel the
 * rest, close.
 */
public final class FerryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryServer.class);
    /** How long each generation warm-up, and the refusals' after their fewest, go on for the JIT to go quiet. */
    static final Duration FRONT_END_WARM_UP_LIMIT = Duration.ofSeconds(30);

    static {
        // grpc-java and Netty log through java.util.logging; send it to the same log as everything else
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    /**
     * Where to listen and what to allow.
     *
     * @param streamBufferBytes bytes of a stream the transport may hold for a client that has not
     *     read them; beyond it tokens wait in the stream's pump and go out coalesced
     * @param responseCache how deterministic answers are reused
     * @param quotas token budgets per tenant
     * @param observability the request log and server-wide SLOs
     * @param embeddingCache how embeddings of repeated inputs are reused
     * @param results the results database behind both caches (L3)
     * @param learnedRoutes where the learned router persists its fits; null keeps them in memory
     */
    public record Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                          int streamBufferBytes, ResponseCacheConfig responseCache, TenantQuotas quotas,
                          Observability observability, EmbeddingCacheConfig embeddingCache,
                          ResultsStoreConfig results, Path learnedRoutes) {
        public static final int DEFAULT_STREAM_BUFFER_BYTES = 32 * 1024;

        /** The learned router's fits in memory only. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes, ResponseCacheConfig responseCache, TenantQuotas quotas,
                       Observability observability, EmbeddingCacheConfig embeddingCache, ResultsStoreConfig results) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, responseCache, quotas, observability,
                    embeddingCache, results, null);
        }

        /** Without a results database; the learned router's fits in memory only. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes, ResponseCacheConfig responseCache, TenantQuotas quotas,
                       Observability observability, EmbeddingCacheConfig embeddingCache) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, responseCache, quotas, observability,
                    embeddingCache, ResultsStoreConfig.DISABLED);
        }

        /** With the default embedding cache, sharing the response cache's Redis. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes, ResponseCacheConfig responseCache, TenantQuotas quotas,
                       Observability observability) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, responseCache, quotas, observability,
                    EmbeddingCacheConfig.DEFAULTS.withRedis(responseCache.redisUrl()));
        }

        /** Without a request log or server-wide SLOs. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes, ResponseCacheConfig responseCache, TenantQuotas quotas) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, responseCache, quotas, Observability.DEFAULTS);
        }

        /** No tenant quotas, no request log or server-wide SLOs. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes, ResponseCacheConfig responseCache) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, responseCache, TenantQuotas.unlimited());
        }

        /** Without a response cache: every request runs on the engine. */
        public Options(String host, int grpcPort, int httpPort, ApiKeys keys, ServingLimits limits,
                       int streamBufferBytes) {
            this(host, grpcPort, httpPort, keys, limits, streamBufferBytes, ResponseCacheConfig.DISABLED);
        }
    }

    private final ModelRegistry registry;
    private final ServerContext context;
    private final NettyTransport transport;
    private final ExecutorService streamExecutor;
    private final ExecutorService adminExecutor;
    private final ExecutorService grpcExecutor;
    private final GrpcServer grpc;
    private final HttpApiServer http;
    private final ResultsStore results;
    private final ResponseCache responses;
    private final EmbeddingCache embeddingCache;
    private final ServerMetrics metrics;

    private FerryServer(ModelRegistry registry, Options options) throws IOException {
        this.registry = registry;
        int cores = Runtime.getRuntime().availableProcessors();
        this.transport = new NettyTransport(Math.max(2, cores));
        this.streamExecutor = Executors.newFixedThreadPool(Math.max(2, cores), daemon("ferry-stream"));
        this.adminExecutor = Executors.newSingleThreadExecutor(daemon("ferry-admin"));
        // gRPC callbacks (validation, tokenization, chat templates) on a fixed pool: no thread per call under load
        this.grpcExecutor = Executors.newFixedThreadPool(Math.max(2, cores), daemon("ferry-grpc"));
        boolean caching = options.responseCache().enabled() || options.embeddingCache().enabled();
        this.results = caching && options.results().enabled() ? ResultsStore.open(options.results()) : null;
        this.responses = options.responseCache().enabled() ? ResponseCache.open(options.responseCache(), results) : null;
        this.embeddingCache = options.embeddingCache().enabled()
                ? EmbeddingCache.open(options.embeddingCache(), results) : null;
        this.metrics = ServerMetrics.start(registry, options.observability(), responses, results);
        Inference inference = new Inference(registry, options.limits(), responses, options.quotas(), metrics,
                options.learnedRoutes());
        inference.routing().shadows().logTo(metrics);
        this.context = new ServerContext(inference, options.keys(), new StreamStats(), streamExecutor, metrics,
                new Embeddings(inference, embeddingCache));
        GrpcServer g = null;
        try {
            g = GrpcServer.start(context, transport, new InetSocketAddress(options.host(), options.grpcPort()),
                    options.streamBufferBytes(), grpcExecutor, adminExecutor);
            http = HttpApiServer.start(context, transport, options.host(), options.httpPort());
        } catch (IOException | RuntimeException e) {
            if (g != null) {
                g.close();
            }
            transport.close();
            closeExecutors();
            metrics.close();
            closeCaches();
            throw e;
        }
        grpc = g;
    }

    /** Listens on the ports; load the models with {@link #loadModels()}. */
    public static FerryServer start(ModelRegistry registry, Options options) throws IOException {
        FerryServer s = new FerryServer(registry, options);
        LOG.info("listening: gRPC on {}, HTTP on {} ({})", s.grpcPort(), s.httpPort(),
                s.transport.isEpoll() ? "epoll" : "nio");
        return s;
    }

    /**
     * Runs the front ends through the JIT on the calling thread, so that a first burst meets compiled
     * code: gRPC's transport with health checks over loopback; then short streamed completions to each
     * ready model through the HTTP port, then streamed Generate calls over gRPC (counted under their
     * own tenant, see the README); then HTTP refusals over loopback. Each of the last three goes on
     * until the JIT has gone quiet, for up to {@link #FRONT_END_WARM_UP_LIMIT} (the completions and
     * calls of all models together for up to twice that). The health checks and refusals reach no
     * model or metric.
     *
     * @param apiKey a key the HTTP API accepts, or null when it is open
     * @param generation whether to send the streamed completions and Generate calls (they show in the metrics)
     */
    public void warmUpFrontEnds(String apiKey, boolean generation) throws InterruptedException {
        long start = System.nanoTime();
        int calls = grpc.warmUpCalls();
        long grpcDone = System.nanoTime();
        List<String> completions = new ArrayList<>();
        long deadline = grpcDone + 2 * FRONT_END_WARM_UP_LIMIT.toNanos(); // for all models, both protocols
        for (ServedModel m : generation ? registry.list() : List.<ServedModel>of()) {
            if (!m.isReady() || !m.servesGeneration()) {
                continue;
            }
            try {
                String overHttp = http.warmUpGeneration(m, apiKey, until(deadline, FRONT_END_WARM_UP_LIMIT));
                completions.add(m.name() + ": " + overHttp + ", "
                        + grpc.warmUpGenerate(m, apiKey, until(deadline, FRONT_END_WARM_UP_LIMIT)));
            } catch (UncheckedIOException e) { // serving goes on; the first requests meet the path cold
                completions.add(m.name() + ": stopped (" + e.getCause().getMessage() + ")");
                LOG.warn("the generation path's warm-up of {} stopped", m.name(), e);
            }
        }
        String refusals;
        long generationDone = System.nanoTime();
        try {
            refusals = http.warmUpRefusals(FRONT_END_WARM_UP_LIMIT);
        } catch (UncheckedIOException e) { // e.g. a body limit under the warm-up's request: serving goes on cold
            refusals = "HTTP refusals stopped (" + e.getCause().getMessage() + ")";
            LOG.warn("the HTTP refusal path's warm-up stopped; a first burst meets it cold", e);
        }
        LOG.info("front ends warmed: {} gRPC health checks in {} ms; {} in {} ms; {} in {} ms", calls,
                (grpcDone - start) / 1_000_000, generation ? String.join("; ", completions) : "no warm-up requests",
                (generationDone - grpcDone) / 1_000_000, refusals,
                (System.nanoTime() - generationDone) / 1_000_000);
    }

    /** What is left of the time to {@code deadline} (a nanoTime), {@code most} at most. */
    private static Duration until(long deadline, Duration most) {
        return Duration.ofNanos(Math.max(0, Math.min(most.toNanos(), deadline - System.nanoTime())));
    }

    /** Loads every model folder of the store; one that fails is reported FAILED and the others serve. */
    public void loadModels() throws IOException {
        registry.loadAll();
        registry.list().forEach(m -> LOG.info("model {}: {}{}", m.name(), m.state().name().toLowerCase(),
                m.error() != null ? " (" + m.error() + ")" : ""));
    }

    public ServerContext context() {
        return context;
    }

    public int grpcPort() {
        return grpc.port();
    }

    public int httpPort() {
        return http.port();
    }

    /**
     * Refuses new requests (UNAVAILABLE, health NOT_SERVING), lets requests in flight finish within
     * {@code grace}, ends the rest, and closes everything.
     */
    public void shutdown(Duration grace) {
        LOG.info("shutting down: draining requests in flight for up to {} s", grace.toSeconds());
        context.inference().drain();
        grpc.enterDraining();
        grpc.shutdown();
        http.stopListening();
        registry.close(grace);
        try {
            grpc.awaitTermination(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeTransports();
        LOG.info("stopped");
    }

    @Override
    public void close() {
        context.inference().drain();
        grpc.close();
        registry.close();
        closeTransports();
    }

    private void closeTransports() {
        grpc.close();
        http.close();
        transport.close();
        closeExecutors();
        metrics.close();
        closeCaches();
        context.inference().routing().close();
    }

    private void closeCaches() {
        if (responses != null) {
            responses.close();
        }
        if (embeddingCache != null) {
            embeddingCache.close();
        }
        if (results != null) {
            results.close();
        }
    }

    private void closeExecutors() {
        streamExecutor.shutdown();
        grpcExecutor.shutdown();
        adminExecutor.shutdownNow();
        try {
            streamExecutor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static DefaultThreadFactory daemon(String name) {
        return new DefaultThreadFactory(name, true);
    }
}
