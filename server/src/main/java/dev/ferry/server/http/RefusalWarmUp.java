package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.http.PathDispatcher.Binding;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.net.ServerContext;
import dev.ferry.server.net.UntilJitQuiet;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.prometheus.metrics.core.metrics.Counter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Runs the HTTP refusal path through the JIT before a first burst arrives: a burst's refusals over
 * loopback connections to a listener of its own, on the server's event loops and transport, through
 * the handlers a connection's pipeline has (codec, keep-alive, counting, body limit, one at a time,
 * dispatch, the body's head read, the 429 and its JSON), until at least {@code minRefusals} are
 * answered and the JIT has gone quiet. Real sockets matter: run on an in-memory channel, the
 * compiled code was specialized to that channel's classes and deoptimized by the first real
 * connections, and on the shared 2-vCPU machine the C2 compiler still took 250-510 ms of CPU a
 * round through ten bursts of 300 after it, their refusals waiting behind it. The endpoint here
 * refuses every request as a full model's would and counts into a counter of its own, so nothing
 * reaches a model or the metrics.
 */
final class RefusalWarmUp {
    /** About the calls after which C2 compiles a method called once per request. */
    static final int MIN_REFUSALS = 10_000;
    /** Connections, one request in flight on each, so that a read brings one request, as a burst's reads do. */
    static final int CONNECTIONS = 64;

    private static final ApiException FULL = ApiException.exhausted("queue_full: the refusal path's warm-up", 1);

    /**
     * How many requests the warm-up sent, how many were refused (all, unless an answer of another
     * kind stopped it), and whether the JIT went quiet in time.
     */
    record Outcome(int requests, int refused, boolean settled) {}

    private RefusalWarmUp() {}

    /** @param maxDuration from the start, how long to go on after {@code minRefusals} for the JIT to go quiet */
    static Outcome run(ServerContext server, NettyTransport transport, Executor prep, int minRefusals,
                       Duration maxDuration) {
        Counter uncounted = Counter.builder().name("ferry_http_requests").labelNames("path", "status").build();
        GenerationEndpoint full = new GenerationEndpoint(server, prep, new CompletionsApi(), head -> {
            throw FULL;
        });
        PathDispatcher dispatcher = new PathDispatcher(Map.of("/v1/completions", new Binding(HttpMethod.POST, false, full)),
                server.keys(), server.inference());
        int maxBodyBytes = server.inference().limits().maxRequestBytes();
        InFlight inFlight = new InFlight();
        Channel listener = HttpApiServer.bootstrap(transport,
                        ch -> ch.pipeline().addLast(HttpApiServer.handlers(uncounted, maxBodyBytes, inFlight, dispatcher)))
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        try {
            UntilJitQuiet more = new UntilJitQuiet(minRefusals, maxDuration);
            LoopbackExchanges.Tally tally = LoopbackExchanges.run((InetSocketAddress) listener.localAddress(),
                    List.of(burstRequest()), CONNECTIONS, "HTTP/1.1 429 ", more);
            return new Outcome(tally.answered(), tally.expected(), more.settled());
        } catch (IOException e) {
            throw new UncheckedIOException("the refusal path's warm-up over loopback failed", e);
        } finally {
            listener.close().syncUninterruptibly();
        }
    }

    /** What `ferry bench --burst` sends: a streamed completion of 128 prompt tokens. */
    private static byte[] burstRequest() {
        String prompt = IntStream.range(0, 128).mapToObj(i -> Integer.toString(1 + i * 7 % 400))
                .collect(Collectors.joining(","));
        String body = "{\"model\":\"warm-up\",\"max_tokens\":64,\"temperature\":1.0,\"ignore_eos\":true,\"stream\":true,"
                + "\"logprobs\":0,\"prompt\":[" + prompt + "],\"stream_options\":{\"include_usage\":true}}";
        return LoopbackExchanges.post("/v1/completions", body.getBytes(StandardCharsets.US_ASCII), null);
    }
}
