package dev.ferry.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.affinity.PrefixKey;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose deployment without Docker: two real {@code ferry serve} processes sharing a real
 * Redis, the real nginx in front with docker/nginx's configuration, and a real Prometheus with
 * docker/prometheus's. Clients go through nginx only. The last test stops a replica.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutTest {
    static final String MODEL = ServingFixture.MODEL;
    /** Two KV blocks (block size 16) that the gRPC affinity requests share before a tail of their own. */
    static final int[] SHARED = IntStream.range(100, 132).toArray();
    static final String SYSTEM = "You are the ferry's pilot. Answer every passenger briefly, politely and in plain words.";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    static final AtomicInteger IDS = new AtomicInteger();
    /**
     * What docker/README.md asks of gRPC clients: retry UNAVAILABLE. A replica that starts draining
     * may still get a call on a connection nginx reused before its GOAWAY arrived, and refuses it
     * so. (That nginx itself moves requests off a stopped replica is checked apart, in its log.)
     */
    static final Map<String, Object> RETRY_UNAVAILABLE = Map.of("methodConfig", List.of(Map.of(
            "name", List.of(Map.of("service", "ferry.v1.Inference"), Map.of("service", "ferry.v1.Routing")),
            "retryPolicy", Map.of("maxAttempts", 3.0, "initialBackoff", "0.05s", "maxBackoff", "0.5s",
                    "backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE")))));

    @TempDir
    static Path dir;
    static RedisServer redis;
    static List<FerryProcess> replicas = List.of();
    static Nginx nginx;
    static Prometheus prometheus;
    static ManagedChannel channel;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Where the gRPC affinity test's key led, for the stop test. */
    static String grpcKey;
    static FerryProcess grpcKeyReplica;

    @BeforeAll
    static void start() throws Exception {
        Path docker = DockerFolder.find();
        Nginx.binary(); // missing tools fail before anything slow starts
        Prometheus.binary();
        Path store = Files.createDirectories(dir.resolve("store"));
        ServingFixture.createTinyModel(store.resolve(MODEL));
        redis = RedisServer.start();
        List<FerryProcess> started = new ArrayList<>();
        replicas = Collections.unmodifiableList(started);
        for (String name : List.of("ferry-1", "ferry-2")) { // both load their model at the same time
            started.add(FerryProcess.start(name, dir, "--model-store", store.toString(), "--redis", redis.url(),
                    "--shutdown-grace", "10s", "--kv-cache-memory", "64MiB"));
        }
        for (FerryProcess r : replicas) {
            r.awaitReady();
        }
        nginx = Nginx.start(docker, Files.createDirectories(dir.resolve("nginx")), replicas);
        prometheus = Prometheus.start(docker, Files.createDirectories(dir.resolve("prometheus")), replicas);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", nginx.grpcPort).usePlaintext()
                .defaultServiceConfig(RETRY_UNAVAILABLE).enableRetry().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : new AutoCloseable[] {prometheus, nginx}) {
            if (c != null) {
                c.close();
            }
        }
        replicas.forEach(FerryProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Order(1)
    void routeGivesTheDocumentedKeyThroughNginxOnBothProtocols() throws Exception {
        int[] prompt = concat(SHARED, 7, 8, 9);
        String expected = PrefixKey.of(MODEL, SHARED, 16);
        assertEquals(expected, route(GenerateRequest.newBuilder().setModel(MODEL).setTokenIds(ids(prompt)), null));
        HttpResponse<String> r = post("/v1/route", "{\"model\":\"tiny\",\"prompt\":" + JSON.writeValueAsString(prompt) + "}",
                null, rid());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(expected, JSON.readTree(r.body()).get("prefix_key").asText());
    }

    @Test
    @Order(2)
    void grpcStreamsSharingAPrefixKeyStayOnOneReplicaAndHitItsPrefixCache() throws Exception {
        grpcKey = route(GenerateRequest.newBuilder().setModel(MODEL).setTokenIds(ids(concat(SHARED, 1))), null);
        Map<FerryProcess, Map<String, Double>> before = metrics();
        Set<String> served = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String rid = rid();
            assertEquals(FinishReason.FINISH_REASON_LENGTH,
                    finish(generate(concat(SHARED, 200 + i, 300 + i), 4, grpcKey, rid)).getReason());
            served.add(nginx.upstreamOf(rid));
        }
        assertEquals(1, served.size(), "one key, one replica: " + served);
        grpcKeyReplica = replica(served.iterator().next());
        assertWarmedOnlyOne(grpcKeyReplica, before, 4 * (SHARED.length + 2), 3 * SHARED.length);
    }

    @Test
    @Order(3)
    void httpChatStreamsSharingAPrefixKeyStayOnOneReplicaAndHitItsPrefixCache() throws Exception {
        HttpResponse<String> route = post("/v1/route", chat("What is the fare?", false), null, rid());
        String key = JSON.readTree(route.body()).get("prefix_key").asText();
        assertEquals(key, route.headers().firstValue(PrefixKey.HEADER).orElse(null));
        Map<FerryProcess, Map<String, Double>> before = metrics();
        Set<String> served = new HashSet<>();
        int promptTokens = 0;
        for (String question : List.of("What is the fare?", "When do we leave?", "Is there coffee on board?")) {
            String rid = rid();
            HttpResponse<String> r = post("/v1/chat/completions", chat(question, true), key, rid);
            List<JsonNode> events = sse(r);
            assertTrue(events.size() >= 3, "role, tokens, usage: " + r.body());
            promptTokens += events.get(events.size() - 1).at("/usage/prompt_tokens").asInt();
            served.add(nginx.upstreamOf(rid));
        }
        assertEquals(1, served.size(), "one key, one replica: " + served);
        assertWarmedOnlyOne(replica(served.iterator().next()), before, promptTokens, 2 * 16);
    }

    @Test
    @Order(4)
    void aRepeatedGreedyRequestIsAnsweredFromRedisByTheOtherReplica() throws Exception {
        int[] prompt = {5, 6, 7, 8, 9, 10};
        long stored = redis.commands().dbsize();
        String firstRid = rid();
        List<GenerateResponse> first = generate(prompt, 8, "cache-0", firstRid);
        assertFalse(finish(first).getUsage().getCached());
        FerryProcess computed = replica(nginx.upstreamOf(firstRid));
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.commands().dbsize() == stored) { // the answer goes to Redis asynchronously
            assertTrue(System.nanoTime() < end, "the answer never reached Redis");
            Thread.sleep(20);
        }

        String otherKey = keyLeadingAwayFrom(computed);
        FerryProcess other = replicas.stream().filter(r -> r != computed).findFirst().orElseThrow();
        double otherPromptTokens = other.metric(promptTokens());
        String againRid = rid();
        List<GenerateResponse> again = generate(prompt, 8, otherKey, againRid);
        assertEquals(other, replica(nginx.upstreamOf(againRid)));
        assertTrue(finish(again).getUsage().getCached(), "answered from the shared response cache");
        assertEquals(tokens(first), tokens(again));
        assertEquals(otherPromptTokens, other.metric(promptTokens()), "the other replica computed nothing");
    }

    @Test
    @Order(5)
    void prometheusScrapesBothReplicas() throws Exception {
        Set<String> expected = replicas.stream().map(FerryProcess::httpAddress).collect(Collectors.toSet());
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<String, String> health = Map.of();
        while (!health.keySet().equals(expected) || !health.values().stream().allMatch("up"::equals)) {
            assertTrue(System.nanoTime() < end, "Prometheus targets: " + health + "\n" + prometheus.log());
            Thread.sleep(200);
            health = new HashMap<>();
            for (JsonNode t : prometheus.api("targets").get("activeTargets")) {
                health.put(t.at("/labels/instance").asText(), t.get("health").asText());
            }
        }
        JsonNode up = prometheus.query("up{job=\"ferry\"}");
        assertEquals(2, up.size(), up.toString());
        up.forEach(s -> assertEquals("1", s.at("/value/1").asText(), s.toString()));
        // the series the HorizontalPodAutoscaler scales on (through the Prometheus adapter)
        assertEquals(2, prometheus.query("ferry_waiting_sequences{model=\"tiny\"}").size());
    }

    @Test
    @Order(6)
    void stoppingAReplicaUnderLoadLosesNoRequest() throws Exception {
        assertNotNull(grpcKeyReplica, "runs after the gRPC affinity test, whose replica it stops");
        FerryProcess stopped = grpcKeyReplica;
        FerryProcess survivor = replicas.stream().filter(r -> r != stopped).findFirst().orElseThrow();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            boolean grpc = c == 0;
            Thread t = new Thread(() -> {
                while (running.get()) {
                    try {
                        int n = IDS.get();
                        if (grpc) {
                            generate(new int[] {1, 40 + n % 400, 41}, 4, null, rid());
                        } else {
                            HttpResponse<String> r = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":[1,"
                                    + (40 + n % 400) + ",42],\"max_tokens\":4}", null, rid());
                            if (r.statusCode() != 200) {
                                throw new IllegalStateException(r.statusCode() + " " + r.body());
                            }
                        }
                        done.incrementAndGet();
                    } catch (Exception e) {
                        failures.add((grpc ? "gRPC: " : "HTTP: ") + e);
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        Thread.sleep(500);
        int beforeStop = done.get();
        stopped.daemon.terminate();
        assertEquals(0, stopped.daemon.awaitExit(Duration.ofSeconds(20)), stopped.daemon.log());
        int atExit = done.get();
        Thread.sleep(500);
        running.set(false);
        for (Thread t : clients) {
            t.join(10_000);
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + (done.get() + failures.size())
                + " requests failed: " + failures.subList(0, Math.min(5, failures.size())));
        assertTrue(beforeStop > 0 && done.get() > atExit, "load ran before and after the stop: " + beforeStop
                + ", " + atExit + ", " + done.get());
        // nginx itself moved requests off the stopped replica (refused connection, or 503 while draining)
        for (String[] path : List.of(new String[] {"/ferry.v1.Inference/Generate", survivor.grpcAddress()},
                new String[] {"/v1/completions", survivor.httpAddress()})) {
            assertTrue(nginx.accessLog().stream().anyMatch(a -> a.path().equals(path[0]) && a.upstreams().size() > 1
                    && a.servedBy().equals(path[1])), "no " + path[0] + " request was retried on the survivor:\n" + nginx.accessLogText() + stopped.daemon.log());
        }

        String rid = rid();
        assertEquals(FinishReason.FINISH_REASON_LENGTH, finish(generate(concat(SHARED, 77), 4, grpcKey, rid)).getReason());
        assertEquals(survivor, replica(nginx.upstreamOf(rid)), "the stopped replica's keys moved to the survivor");
    }

    // --- clients, through nginx ---

    static String rid() {
        return "scale-" + IDS.incrementAndGet();
    }

    /** {@code stub} sending x-request-id (nginx logs it) and, when given, the prefix key. */
    static <S extends AbstractStub<S>> S headers(S stub, String key, String rid) {
        Metadata m = new Metadata();
        m.put(REQUEST_ID, rid);
        S s = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m)).withDeadlineAfter(30, TimeUnit.SECONDS);
        return key == null ? s : PrefixKey.attach(s, key);
    }

    static String route(GenerateRequest.Builder request, String key) {
        return headers(RoutingGrpc.newBlockingStub(channel), key, rid()).route(request.build()).getPrefixKey();
    }

    /** A greedy stream of {@code maxTokens} tokens, past end-of-sequence. */
    static List<GenerateResponse> generate(int[] prompt, int maxTokens, String key, String rid) {
        List<GenerateResponse> out = new ArrayList<>();
        headers(InferenceGrpc.newBlockingStub(channel), key, rid).generate(GenerateRequest.newBuilder().setModel(MODEL)
                .setTokenIds(ids(prompt)).setMaxTokens(maxTokens).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build()).forEachRemaining(out::add);
        return out;
    }

    static HttpResponse<String> post(String path, String json, String key, String rid) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.httpPort + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json").header("x-request-id", rid);
        if (key != null) {
            b.header(PrefixKey.HEADER, key);
        }
        return HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String question, boolean stream) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("model", MODEL, "max_tokens", 4, "ignore_eos", true,
                "temperature", 0, "stream", stream, "messages", List.of(Map.of("role", "system", "content", SYSTEM),
                        Map.of("role", "user", "content", question))));
        if (stream) {
            body.put("stream_options", Map.of("include_usage", true));
        }
        return JSON.writeValueAsString(body);
    }

    /** The data of each server-sent event; the stream must end with [DONE]. */
    static List<JsonNode> sse(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        String[] events = r.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < events.length - 1; i++) {
            out.add(JSON.readTree(events[i].substring("data: ".length())));
        }
        return out;
    }

    /** A key that nginx's gRPC ring sends to another replica than {@code from}, found by asking Route through it. */
    static String keyLeadingAwayFrom(FerryProcess from) throws Exception {
        for (int i = 1; i <= 32; i++) {
            String key = "cache-" + i;
            String rid = rid();
            headers(RoutingGrpc.newBlockingStub(channel), key, rid).route(GenerateRequest.newBuilder().setModel(MODEL)
                    .setTokenIds(ids(new int[] {1})).build());
            if (replica(nginx.upstreamOf(rid)) != from) {
                return key;
            }
        }
        throw new AssertionError("32 keys all hashed to " + from);
    }

    // --- what the replicas report ---

    static FerryProcess replica(String upstream) {
        return replicas.stream().filter(r -> upstream.equals(r.httpAddress()) || upstream.equals(r.grpcAddress()))
                .findFirst().orElseThrow(() -> new AssertionError("no replica at " + upstream));
    }

    static Map<FerryProcess, Map<String, Double>> metrics() throws Exception {
        Map<FerryProcess, Map<String, Double>> m = new HashMap<>();
        for (FerryProcess r : replicas) {
            m.put(r, r.metrics());
        }
        return m;
    }

    static String promptTokens() {
        return "ferry_prompt_tokens_total{model=\"tiny\"}";
    }

    static String prefixHits() {
        return "ferry_prefix_cache_hit_tokens_total{model=\"tiny\"}";
    }

    /**
     * Since {@code before}: {@code served} ran exactly {@code promptTokens} prompt tokens and found
     * at least {@code minHits} of them in its prefix cache; the other replica ran nothing.
     */
    static void assertWarmedOnlyOne(FerryProcess served, Map<FerryProcess, Map<String, Double>> before, int promptTokens,
                                    int minHits) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        // the engine counts a request when it finishes, just after its last token went out: poll briefly
        for (String problem; (problem = warmingProblem(served, before, promptTokens, minHits)) != null; ) {
            if (System.nanoTime() > end) {
                throw new AssertionError(problem);
            }
            Thread.sleep(50);
        }
    }

    /** What contradicts {@link #assertWarmedOnlyOne} now, or null. */
    static String warmingProblem(FerryProcess served, Map<FerryProcess, Map<String, Double>> before, int promptTokens,
                                 int minHits) throws Exception {
        Map<FerryProcess, Map<String, Double>> now = metrics();
        for (FerryProcess r : replicas) {
            double ran = delta(now, before, r, promptTokens());
            double hits = delta(now, before, r, prefixHits());
            boolean ok = r == served ? ran == promptTokens && hits >= minHits : ran == 0 && hits == 0;
            if (!ok) {
                return r + ": prompt tokens +" + ran + ", prefix-cache hit tokens +" + hits
                        + (r == served ? "; expected +" + promptTokens + " and at least " + minHits : "; expected none");
            }
        }
        return null;
    }

    static double delta(Map<FerryProcess, Map<String, Double>> now, Map<FerryProcess, Map<String, Double>> before,
                        FerryProcess r, String sample) {
        return now.get(r).getOrDefault(sample, 0.0) - before.get(r).getOrDefault(sample, 0.0);
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

    static int[] concat(int[] head, int... tail) {
        return IntStream.concat(IntStream.of(head), IntStream.of(tail)).toArray();
    }
}
