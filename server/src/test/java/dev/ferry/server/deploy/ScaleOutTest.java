package dev.ferry.server.deploy;

import static dev.ferry.server.deploy.BalancerClient.finish;
import static dev.ferry.server.deploy.BalancerClient.ids;
import static dev.ferry.server.deploy.BalancerClient.sse;
import static dev.ferry.server.deploy.BalancerClient.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.server.RedisServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.affinity.PrefixKey;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    @TempDir
    static Path dir;
    static RedisServer redis;
    static List<FerryProcess> started = new ArrayList<>();
    static Replicas replicas = new Replicas(Collections.unmodifiableList(started));
    static Nginx nginx;
    static Prometheus prometheus;
    static BalancerClient client;
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
        for (String name : List.of("ferry-1", "ferry-2")) { // both load their model at the same time
            started.add(FerryProcess.start(name, dir, "--model-store", store.toString(), "--redis", redis.url(),
                    "--shutdown-grace", "10s", "--kv-cache-memory", "64MiB"));
        }
        for (FerryProcess r : started) {
            r.awaitReady();
        }
        nginx = Nginx.start(docker, Files.createDirectories(dir.resolve("nginx")), started);
        prometheus = Prometheus.start(docker, Files.createDirectories(dir.resolve("prometheus")), started);
        client = new BalancerClient(MODEL, nginx.grpcPort, nginx.httpPort);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {client, prometheus, nginx}) {
            if (c != null) {
                c.close();
            }
        }
        started.forEach(FerryProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Order(1)
    void routeGivesTheDocumentedKeyThroughNginxOnBothProtocols() throws Exception {
        int[] prompt = concat(SHARED, 7, 8, 9);
        String expected = PrefixKey.of(MODEL, SHARED, 16);
        assertEquals(expected, client.route(GenerateRequest.newBuilder().setTokenIds(ids(prompt)), null, client.rid()));
        HttpResponse<String> r = client.post("/v1/route", Map.of("model", MODEL, "prompt", prompt), null, client.rid());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(expected, BalancerClient.JSON.readTree(r.body()).get("prefix_key").asText());
    }

    @Test
    @Order(2)
    void grpcStreamsSharingAPrefixKeyStayOnOneReplicaAndHitItsPrefixCache() throws Exception {
        grpcKey = client.route(GenerateRequest.newBuilder().setTokenIds(ids(concat(SHARED, 1))), null, client.rid());
        Map<FerryProcess, Map<String, Double>> before = replicas.metrics();
        Set<String> served = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String rid = client.rid();
            assertEquals(FinishReason.FINISH_REASON_LENGTH,
                    finish(client.generate(concat(SHARED, 200 + i, 300 + i), 4, grpcKey, rid)).getReason());
            served.add(nginx.upstreamOf(rid));
        }
        assertEquals(1, served.size(), "one key, one replica: " + served);
        grpcKeyReplica = replicas.at(served.iterator().next());
        replicas.assertWarmedOnlyOne(grpcKeyReplica, before, 4 * (SHARED.length + 2), 3 * SHARED.length);
    }

    @Test
    @Order(3)
    void httpChatStreamsSharingAPrefixKeyStayOnOneReplicaAndHitItsPrefixCache() throws Exception {
        HttpResponse<String> route = client.post("/v1/route", chat("What is the fare?"), null, client.rid());
        String key = BalancerClient.JSON.readTree(route.body()).get("prefix_key").asText();
        assertEquals(key, route.headers().firstValue(PrefixKey.HEADER).orElse(null));
        Map<FerryProcess, Map<String, Double>> before = replicas.metrics();
        Set<String> served = new HashSet<>();
        int promptTokens = 0;
        for (String question : List.of("What is the fare?", "When do we leave?", "Is there coffee on board?")) {
            String rid = client.rid();
            Map<String, Object> body = chat(question);
            body.put("stream", true);
            body.put("stream_options", Map.of("include_usage", true));
            HttpResponse<String> r = client.post("/v1/chat/completions", body, key, rid);
            List<JsonNode> events = sse(r);
            assertTrue(events.size() >= 3, "role, tokens, usage: " + r.body());
            promptTokens += events.get(events.size() - 1).at("/usage/prompt_tokens").asInt();
            served.add(nginx.upstreamOf(rid));
        }
        assertEquals(1, served.size(), "one key, one replica: " + served);
        replicas.assertWarmedOnlyOne(replicas.at(served.iterator().next()), before, promptTokens, 2 * 16);
    }

    @Test
    @Order(4)
    void aRepeatedGreedyRequestIsAnsweredFromRedisByTheOtherReplica() throws Exception {
        // Ferry takes a Redis reply slower than 50 ms for a miss and then leaves Redis alone for a
        // second, storing nothing: a busy test machine can cause that, so a few prompts get a chance.
        List<String> misses = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            String miss = answeredFromRedisByTheOtherReplica(new int[] {5 + attempt, 6, 7, 8, 9, 10});
            if (miss == null) {
                return;
            }
            misses.add(miss);
        }
        fail("no answer was shared through Redis: " + misses + "\n" + started.get(0).daemon.log() + "\n"
                + started.get(1).daemon.log());
    }

    /** Null when the replica that did not compute {@code prompt} answered it from Redis; else what happened. */
    static String answeredFromRedisByTheOtherReplica(int[] prompt) throws Exception {
        long stored = redis.commands().dbsize();
        String firstRid = client.rid();
        List<GenerateResponse> first = client.generate(prompt, 8, "cache-0", firstRid);
        assertFalse(finish(first).getUsage().getCached());
        FerryProcess computed = replicas.at(nginx.upstreamOf(firstRid));
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (redis.commands().dbsize() == stored) { // the answer goes to Redis asynchronously
            if (System.nanoTime() > end) {
                return Arrays.toString(prompt) + ": the answer never reached Redis";
            }
            Thread.sleep(20);
        }

        FerryProcess other = replicas.other(computed);
        String otherKey = keyLeadingTo(other);
        double otherPromptTokens = other.metric(Replicas.PROMPT_TOKENS);
        String againRid = client.rid();
        List<GenerateResponse> again = client.generate(prompt, 8, otherKey, againRid);
        assertEquals(other, replicas.at(nginx.upstreamOf(againRid)));
        if (!finish(again).getUsage().getCached()) {
            return Arrays.toString(prompt) + ": the other replica's Redis lookup missed";
        }
        assertEquals(tokens(first), tokens(again));
        assertEquals(otherPromptTokens, other.metric(Replicas.PROMPT_TOKENS), "the other replica computed nothing");
        return null;
    }

    @Test
    @Order(5)
    void prometheusScrapesBothReplicas() throws Exception {
        Set<String> expected = started.stream().map(FerryProcess::httpAddress).collect(Collectors.toSet());
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
        FerryProcess survivor = replicas.other(stopped);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = List.of(load(true, running, done, failures), load(false, running, done, failures));
        // A busy CI machine can take longer than a fixed pause to answer the first requests, so the
        // stop waits for load to be flowing, and the load runs on until some has finished after it.
        int beforeStop = awaitMoreThan(done, 0, failures);
        stopped.daemon.terminate();
        assertEquals(0, stopped.daemon.awaitExit(Duration.ofSeconds(20)), stopped.daemon.log());
        int atExit = done.get();
        Thread.sleep(500);
        awaitMoreThan(done, atExit, failures);
        running.set(false);
        for (Thread t : load) {
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
                    && a.servedBy().equals(path[1])), "no " + path[0] + " request was retried on the survivor:\n"
                    + nginx.accessLogText());
        }

        String rid = client.rid();
        assertEquals(FinishReason.FINISH_REASON_LENGTH,
                finish(client.generate(concat(SHARED, 77), 4, grpcKey, rid)).getReason());
        assertEquals(survivor, replicas.at(nginx.upstreamOf(rid)), "the stopped replica's keys moved to the survivor");
    }

    /** Waits (up to 20 s, or until a request fails) for {@code done} to pass {@code floor}; returns its count. */
    static int awaitMoreThan(AtomicInteger done, int floor, List<String> failures) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (done.get() <= floor && failures.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return done.get();
    }

    /** A client thread sending short requests without a key (so they spread) until {@code running} ends. */
    static Thread load(boolean grpc, AtomicBoolean running, AtomicInteger done, List<String> failures) {
        Thread t = new Thread(() -> {
            for (int n = 0; running.get(); n++) {
                int[] prompt = {1, 40 + n % 400, grpc ? 41 : 42};
                try {
                    if (grpc) {
                        client.generate(prompt, 4, null, client.rid());
                    } else {
                        HttpResponse<String> r = client.post("/v1/completions",
                                Map.of("model", MODEL, "prompt", prompt, "max_tokens", 4), null, client.rid());
                        assertEquals(200, r.statusCode(), r.body());
                    }
                    done.incrementAndGet();
                } catch (Exception | AssertionError e) {
                    failures.add((grpc ? "gRPC: " : "HTTP: ") + e);
                }
            }
        });
        t.start();
        return t;
    }

    /** A key that nginx's gRPC ring sends to {@code target}, found by asking Route through it. */
    static String keyLeadingTo(FerryProcess target) throws Exception {
        for (int i = 1; i <= 32; i++) {
            String key = "cache-" + i;
            String rid = client.rid();
            client.route(GenerateRequest.newBuilder().setTokenIds(ids(new int[] {1})), key, rid);
            if (replicas.at(nginx.upstreamOf(rid)) == target) {
                return key;
            }
        }
        throw new AssertionError("32 keys, none hashed to " + target);
    }

    static Map<String, Object> chat(String question) {
        return new LinkedHashMap<>(Map.of("model", MODEL, "max_tokens", 4, "ignore_eos", true, "temperature", 0,
                "messages", List.of(Map.of("role", "system", "content", SYSTEM), Map.of("role", "user", "content", question))));
    }

    static int[] concat(int[] head, int... tail) {
        return IntStream.concat(IntStream.of(head), IntStream.of(tail)).toArray();
    }
}
