package dev.ferry.server.http;

import dev.ferry.server.affinity.PrefixRouter;
import dev.ferry.server.http.PathDispatcher.Binding;
import dev.ferry.server.metrics.EmbeddingMetricsCollector;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.metrics.RouteMetrics;
import dev.ferry.server.metrics.ShadowMetrics;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.net.Loopback;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.net.UntilJitQuiet;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The HTTP side of the server: the OpenAI-compatible API ({@code /v1/completions},
 * {@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/models}), prefix keys ({@code /v1/route}), the
 * routes' state ({@code /v1/routes}), vLLM's {@code /tokenize} and
 * {@code /detokenize}, {@code /health}, {@code /ready} and
 * {@code /metrics}, on the shared Netty event loops. Each connection's pipeline, in order:
 * HTTP codec, keep-alive, request counting, body size limit, one request at a time, generation
 * lifecycle events, routing.
 */
public final class HttpApiServer implements AutoCloseable {
    /** Requests waiting to be read and tokenized at most; beyond it the server answers 429. */
    private static final int PREP_QUEUE = 1024;

    private final Channel listener;
    private final ChannelGroup connections;
    private final ThreadPoolExecutor prep;
    private final ServerContext server;
    private final NettyTransport transport;

    private HttpApiServer(Channel listener, ChannelGroup connections, ThreadPoolExecutor prep, ServerContext server,
                          NettyTransport transport) {
        this.listener = listener;
        this.connections = connections;
        this.prep = prep;
        this.server = server;
        this.transport = transport;
    }

    /** Listens on {@code host:port} (port 0 picks a free one) until {@link #close()}. */
    public static HttpApiServer start(ServerContext server, NettyTransport transport, String host, int port) {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors() / 4);
        ThreadPoolExecutor prep = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(PREP_QUEUE), new DefaultThreadFactory("ferry-http-prep", true));
        PrometheusRegistry metrics = new PrometheusRegistry();
        metrics.register(new FerryMetrics(server.registry(), server.streams()));
        metrics.register(server.metrics());
        metrics.register(new RouteMetrics(server.inference().routing()));
        metrics.register(new ShadowMetrics(server.inference().routing().shadows()));
        metrics.register(new EmbeddingMetricsCollector(server.registry(), server.embeddings()));
        Counter requests = Counter.builder().name("ferry_http_requests").help("HTTP requests answered, by path and status")
                .labelNames("path", "status").register(metrics);

        StatusEndpoints status = new StatusEndpoints(server);
        TokenEndpoints tokens = new TokenEndpoints(server.inference().tokenization(), prep);
        PathDispatcher dispatcher = new PathDispatcher(Map.ofEntries(
                Map.entry("/health", new Binding(HttpMethod.GET, false, status::health)),
                Map.entry("/ready", new Binding(HttpMethod.GET, false, status::ready)),
                Map.entry("/metrics", new Binding(HttpMethod.GET, false, new MetricsEndpoint(metrics))),
                Map.entry("/v1/models", new Binding(HttpMethod.GET, true, status::models)),
                Map.entry("/v1/completions", new Binding(HttpMethod.POST, true,
                        new GenerationEndpoint(server, prep, new CompletionsApi()))),
                Map.entry("/v1/chat/completions", new Binding(HttpMethod.POST, true,
                        new GenerationEndpoint(server, prep, new ChatApi()))),
                Map.entry("/v1/embeddings", new Binding(HttpMethod.POST, true,
                        new EmbeddingsEndpoint(server.embeddings(), prep, server.inference().limits().strictFields()))),
                Map.entry("/v1/route", new Binding(HttpMethod.POST, true,
                        new RouteEndpoint(new PrefixRouter(server.inference()), prep))),
                Map.entry("/v1/routes", new Binding(HttpMethod.GET, true,
                        new RouteReportsEndpoint(server.inference().routing()))),
                Map.entry("/tokenize", new Binding(HttpMethod.POST, true, tokens::tokenize)),
                Map.entry("/detokenize", new Binding(HttpMethod.POST, true, tokens::detokenize))),
                server.keys(), server.inference());
        InFlight inFlight = new InFlight();
        int maxBodyBytes = server.inference().limits().maxRequestBytes();
        ChannelGroup connections = new DefaultChannelGroup("ferry-http", GlobalEventExecutor.INSTANCE);

        ServerBootstrap bootstrap = bootstrap(transport, ch -> {
            connections.add(ch);
            ch.pipeline().addLast(handlers(requests, maxBodyBytes, inFlight, dispatcher));
        });
        try {
            Channel listener = bootstrap.bind(host, port).syncUninterruptibly().channel();
            return new HttpApiServer(listener, connections, prep, server, transport);
        } catch (RuntimeException e) {
            prep.shutdownNow();
            throw new IllegalStateException("HTTP server cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** A listener's set-up on the shared event loops; {@code initConnection} fills each connection's pipeline. */
    static ServerBootstrap bootstrap(NettyTransport transport, Consumer<Channel> initConnection) {
        return new ServerBootstrap()
                .group(transport.boss(), transport.workers())
                .channel(transport.serverChannelType())
                .childOption(ChannelOption.TCP_NODELAY, true) // a token is a few bytes: send it now
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initConnection.accept(ch);
                    }
                });
    }

    /** A connection's pipeline, in order; {@link RefusalWarmUp} runs its refusals through the same. */
    static ChannelHandler[] handlers(Counter requests, int maxBodyBytes, InFlight inFlight, PathDispatcher dispatcher) {
        return new ChannelHandler[] {new HttpServerCodec(), new LingeringClose(), new HttpServerKeepAliveHandler(),
            new RequestCounter(requests, dispatcher.paths()), new BodyLimit(maxBodyBytes), new InOrder(), inFlight,
            dispatcher};
    }

    /**
     * Runs the refusal path through the JIT (see {@link RefusalWarmUp}) from the calling thread, over
     * loopback to a listener of its own; nothing it does reaches a model or the metrics.
     *
     * @param maxDuration how long to go on after the fewest refusals while the JIT is still compiling
     * @return a line for the log: requests, refusals and whether the JIT went quiet
     */
    public String warmUpRefusals(Duration maxDuration) {
        RefusalWarmUp.Outcome o = warmUpRefusals(RefusalWarmUp.MIN_REFUSALS, maxDuration);
        String end = o.refused() < o.requests() ? ", stopped at an answer other than 429 (a body limit under the "
                + "warm-up's request of under 1 KiB?)" : UntilJitQuiet.ending(o.settled());
        return o.refused() + " of " + o.requests() + " requests refused over loopback" + end;
    }

    /**
     * Runs {@code model}'s generation path through the JIT (see {@link GenerationWarmUp}) from the
     * calling thread: short streamed completions through this server's own port, until the JIT goes
     * quiet or {@code limit} has passed.
     *
     * @param apiKey a key the server accepts, or null when it is open
     * @return a part of the log line
     */
    public String warmUpGeneration(ServedModel model, String apiKey, Duration limit) {
        GenerationWarmUp.Outcome o = GenerationWarmUp.run(Loopback.reach((InetSocketAddress) listener.localAddress()),
                apiKey, model.name(), model.instance().config().maxNumSeqs(), limit);
        return o.streamed() + " of " + o.requests() + " completions streamed" + UntilJitQuiet.ending(o.settled());
    }

    RefusalWarmUp.Outcome warmUpRefusals(int minRefusals, Duration maxDuration) {
        return RefusalWarmUp.run(server, transport, prep, minRefusals, maxDuration);
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Stops accepting connections; those open keep going (graceful shutdown lets their streams finish). */
    public void stopListening() {
        listener.close().syncUninterruptibly();
    }

    /** Stops listening and closes every connection (their requests are cancelled); the event loops stay up. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        prep.shutdown(); // queued requests still run, release their bodies, and find their connection closed
    }
}
