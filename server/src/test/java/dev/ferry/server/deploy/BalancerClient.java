package dev.ferry.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.server.affinity.PrefixKey;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * A client of the balancer, over gRPC and HTTP, as docker/README.md asks clients to be: the prefix
 * key as a header when it has one, and gRPC calls retried on UNAVAILABLE (a replica that starts
 * draining may still get a call on a connection nginx reused in the instant before the replica's
 * GOAWAY reached it, and refuses it so). Every request carries a fresh x-request-id, which nginx
 * logs beside the replica that served it.
 */
final class BalancerClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Map<String, Object> RETRY_UNAVAILABLE = Map.of("methodConfig", List.of(Map.of(
            "name", List.of(Map.of("service", "ferry.v1.Inference"), Map.of("service", "ferry.v1.Routing")),
            "retryPolicy", Map.of("maxAttempts", 3.0, "initialBackoff", "0.05s", "maxBackoff", "0.5s",
                    "backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE")))));

    private final String model;
    private final int httpPort;
    private final ManagedChannel channel;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger ids = new AtomicInteger();

    BalancerClient(String model, int grpcPort, int httpPort) {
        this.model = model;
        this.httpPort = httpPort;
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .defaultServiceConfig(RETRY_UNAVAILABLE).enableRetry().build();
    }

    /** A request id nobody used yet. */
    String rid() {
        return "scale-" + ids.incrementAndGet();
    }

    /** {@code ferry.v1.Routing/Route}'s prefix key for {@code prompt}. */
    String route(GenerateRequest.Builder request, String key, String rid) {
        return headers(RoutingGrpc.newBlockingStub(channel), key, rid).route(request.setModel(model).build())
                .getPrefixKey();
    }

    /** A greedy stream of {@code maxTokens} tokens, past end-of-sequence. */
    List<GenerateResponse> generate(int[] prompt, int maxTokens, String key, String rid) {
        List<GenerateResponse> out = new ArrayList<>();
        headers(InferenceGrpc.newBlockingStub(channel), key, rid).generate(GenerateRequest.newBuilder().setModel(model)
                .setTokenIds(ids(prompt)).setMaxTokens(maxTokens).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build()).forEachRemaining(out::add);
        return out;
    }

    HttpResponse<String> post(String path, Object json, String key, String rid) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json").header("x-request-id", rid);
        if (key != null) {
            b.header(PrefixKey.HEADER, key);
        }
        return http.send(b.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static <S extends AbstractStub<S>> S headers(S stub, String key, String rid) {
        Metadata m = new Metadata();
        m.put(REQUEST_ID, rid);
        S s = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m)).withDeadlineAfter(30, TimeUnit.SECONDS);
        return key == null ? s : PrefixKey.attach(s, key);
    }

    /** The data of each server-sent event; the stream must end with [DONE]. */
    static List<JsonNode> sse(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        String[] events = r.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < events.length - 1; i++) {
            out.add(JSON.readTree(events[i].substring("data: ".length())));
        }
        return out;
    }

    static Finish finish(List<GenerateResponse> stream) {
        GenerateResponse last = stream.get(stream.size() - 1);
        assertTrue(last.hasFinish(), "the stream ends with its finish");
        return last.getFinish();
    }

    static List<Integer> tokens(List<GenerateResponse> stream) {
        return stream.stream().flatMap(r -> r.getTokenIdsList().stream()).toList();
    }

    static TokenIds ids(int[] ids) {
        return TokenIds.newBuilder().addAllIds(IntStream.of(ids).boxed().toList()).build();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
}
