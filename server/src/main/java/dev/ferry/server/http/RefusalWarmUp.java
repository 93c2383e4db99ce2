package dev.ferry.server.http;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.http.PathDispatcher.Binding;
import dev.ferry.server.net.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.core.metrics.Counter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Runs the HTTP refusal path through the JIT before a first burst arrives: a burst's refusals,
 * through the handlers a connection's pipeline has (codec, keep-alive, counting, body limit, one
 * at a time, dispatch, the body's head read, the 429 and its JSON), on an EmbeddedChannel. On the
 * shared 2-vCPU test machine a first burst of 300 (curl, fresh connections) was refused at p99
 * 1.7-1.8 s without it and 0.7-0.8 s with it, the event loops spending 190 ms of CPU on it instead
 * of 450 ms; it takes 4-5 s there, once the models are ready. The endpoint here
 * refuses every request as a full model's would and counts into a counter of its own, so nothing
 * reaches a model, a socket or the metrics.
 */
final class RefusalWarmUp {
    /** About the calls after which C2 compiles a method called once per request. */
    static final int REFUSALS = 10_000;

    private static final ApiException FULL = ApiException.exhausted("queue_full: the refusal path's warm-up", 1);
    private static final byte[] REFUSED = "HTTP/1.1 429 ".getBytes(StandardCharsets.US_ASCII);

    private RefusalWarmUp() {}

    /** @return how many of its requests were answered 429, all of them unless the path changed */
    static int run(ServerContext server, Executor prep) {
        Counter uncounted = Counter.builder().name("ferry_http_requests").labelNames("path", "status").build();
        GenerationEndpoint full = new GenerationEndpoint(server, prep, new CompletionsApi(), head -> {
            throw FULL;
        });
        PathDispatcher dispatcher = new PathDispatcher(Map.of("/v1/completions", new Binding(HttpMethod.POST, false, full)),
                server.keys(), server.inference());
        EmbeddedChannel channel = new EmbeddedChannel(HttpApiServer.handlers(uncounted,
                server.inference().limits().maxRequestBytes(), new InFlight(), dispatcher));
        ByteBuf request = Unpooled.copiedBuffer(burstRequest(), StandardCharsets.US_ASCII);
        int refused = 0;
        try {
            for (int i = 0; i < REFUSALS; i++) {
                channel.writeInbound(request.retainedDuplicate());
                channel.runPendingTasks(); // InOrder passes the next request on in a task
                for (Object out; (out = channel.readOutbound()) != null; ) {
                    if (out instanceof ByteBuf b && startsWith(b, REFUSED)) {
                        refused++;
                    }
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
            request.release();
        }
        return refused;
    }

    /** What `ferry bench --burst` sends: a streamed completion of 128 prompt tokens. */
    private static String burstRequest() {
        String prompt = IntStream.range(0, 128).mapToObj(i -> Integer.toString(1 + i * 7 % 400))
                .collect(Collectors.joining(","));
        String body = "{\"model\":\"warm-up\",\"max_tokens\":64,\"temperature\":1.0,\"ignore_eos\":true,\"stream\":true,"
                + "\"logprobs\":0,\"prompt\":[" + prompt + "],\"stream_options\":{\"include_usage\":true}}";
        return "POST /v1/completions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private static boolean startsWith(ByteBuf b, byte[] prefix) {
        return b.readableBytes() >= prefix.length
                && ByteBufUtil.equals(b, b.readerIndex(), Unpooled.wrappedBuffer(prefix), 0, prefix.length);
    }
}
