package dev.ferry.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.FerryServer;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry bench} against a real server on the tiny model, over both protocols, run as the command line runs. */
class BenchCommandEndToEndTest {
    private static final int OUTPUT = 8;

    @TempDir
    static Path dir;
    private static FerryServer server;

    @BeforeAll
    static void startServer() throws Exception {
        Path store = dir.resolve("store");
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.LLAMA), store.resolve("tiny"));
        ModelRegistry registry = new ModelRegistry(store, new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS));
        server = FerryServer.start(registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES));
        server.loadModels();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void openLoopOverGrpcAnswersEveryRequestWithItsOutputLength() throws Exception {
        openLoop("grpc://127.0.0.1:" + server.grpcPort(), "grpc.json");
    }

    @Test
    void openLoopOverHttpAnswersEveryRequestWithItsOutputLength() throws Exception {
        openLoop("http://127.0.0.1:" + server.httpPort(), "http.json");
    }

    @Test
    void openLoopOverNettysHttpClientAnswersEveryRequestWithItsOutputLength() throws Exception {
        openLoop("http://127.0.0.1:" + server.httpPort(), "netty.json", "--http-client", "netty");
    }

    @Test
    void closedLoopSendsExactlyTheRequestsAsked() throws Exception {
        Path out = dir.resolve("closed.json");
        Run run = bench("--target", grpc(), "--concurrency", "3", "--requests", "9", "--prompt-tokens", "16",
                "--output-tokens", "normal:8:2", "--out", out.toString());
        assertEquals(0, run.exit(), run.console());
        LoadResult r = ResultsJson.readRun(out);
        assertEquals(9, r.sent());
        assertEquals(9, r.finished());
        assertEquals(0, r.unanswered());
        assertEquals(3, r.setup().concurrency());
        assertTrue(r.outputTokens() >= 9, "every request produced tokens: " + r.outputTokens());
        assertOrdered(r.e2eMs());
    }

    @Test
    void baselineHoldsAgainstItselfAndFailsAgainstABetterOne() throws Exception {
        Path first = dir.resolve("first.json");
        Run run = bench("--target", grpc(), "--rate", "20", "--requests", "10", "--prompt-tokens", "16",
                "--output-tokens", String.valueOf(OUTPUT), "--out", first.toString());
        assertEquals(0, run.exit(), run.console());
        LoadResult r = ResultsJson.readRun(first);
        assertTrue(Comparison.of(r, r, 0.10).regressions().isEmpty());

        ObjectMapper json = new ObjectMapper();
        ObjectNode better = (ObjectNode) json.readTree(first.toFile());
        better.put("request_throughput", 10 * r.requestThroughput());
        ((ObjectNode) better.get("ttft_ms")).put("p95", r.ttftMs().p95() / 10);
        Path doctored = dir.resolve("better.json");
        json.writeValue(doctored.toFile(), better);

        Run again = bench("--target", grpc(), "--rate", "20", "--requests", "10", "--prompt-tokens", "16",
                "--output-tokens", String.valueOf(OUTPUT), "--baseline", doctored.toString(), "--max-regression", "10%");
        assertEquals(BenchCommand.REGRESSED, again.exit(), again.console());
        assertTrue(again.console().contains("regressed: request_throughput"), again.console());
        assertTrue(again.console().contains("ttft_ms.p95"), again.console());
    }

    @Test
    void sweepWritesAnHtmlChartAndTheSweepJson() throws Exception {
        Path html = dir.resolve("sweep.html");
        Path out = dir.resolve("sweep.json");
        Run run = bench("--target", grpc(), "--sweep", "10,5", "--duration", "1s", "--prompt-tokens", "16",
                "--output-tokens", String.valueOf(OUTPUT), "--slo-ttft", "2s", "--plot", html.toString(), "--out",
                out.toString());
        assertEquals(0, run.exit(), run.console());
        String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("<polyline"), page);
        assertTrue(!page.contains("<script") && !page.contains("<link"), "self-contained: nothing to fetch");
        var sweep = new ObjectMapper().readTree(out.toFile());
        assertEquals(2, sweep.get("points").size());
        assertEquals(5.0, sweep.get("points").get(0).get("setup").get("rate").asDouble(), "points in increasing rate");
        assertNotNull(sweep.get("p95_ttft_crossing"));
        assertTrue(run.console().contains("p95 TTFT"), run.console());
    }

    @Test
    void burstAnswersEveryRequestAndReportsTheServersSide() throws Exception {
        Path out = dir.resolve("burst.json");
        Run run = bench("--target", "http://127.0.0.1:" + server.httpPort(), "--burst", "20", "--rounds", "2",
                "--prompt-tokens", "16", "--output-tokens", String.valueOf(OUTPUT), "--out", out.toString());
        assertEquals(0, run.exit(), run.console());
        var rounds = new ObjectMapper().readTree(out.toFile());
        assertEquals(2, rounds.size());
        for (var round : rounds) {
            var client = round.get("client");
            assertEquals(20, client.get("sent").asLong());
            assertEquals(20, client.get("finished").asLong() + client.get("rejected").asLong(), run.console());
            assertEquals(20, client.get("setup").get("burst").asInt());
            assertEquals(client.get("rejected").asLong(), round.get("server").get("count").asLong(),
                    "the server timed each refusal the client saw");
            assertEquals(200, round.get("health_after").asInt());
        }
        assertTrue(run.console().contains("burst of 20 requests at once"), run.console());
    }

    @Test
    void preconnectedBurstOpensItsConnectionsOnceAndLabelsItsRounds() throws Exception {
        Path out = dir.resolve("preconnected.json");
        HttpClient http = HttpClient.newHttpClient();
        double healthBefore = healthAnswers(http);
        Run run = bench("--target", "http://127.0.0.1:" + server.httpPort(), "--burst", "20", "--rounds", "2",
                "--http-client", "netty", "--preconnect", "--prompt-tokens", "16", "--output-tokens",
                String.valueOf(OUTPUT), "--out", out.toString());
        assertEquals(0, run.exit(), run.console());
        for (var round : new ObjectMapper().readTree(out.toFile())) {
            assertTrue(round.get("preconnected").asBoolean());
            var client = round.get("client");
            assertEquals(20, client.get("finished").asLong() + client.get("rejected").asLong(), run.console());
        }
        // 20 connections warmed by a GET /health before the first round and kept for the second, plus the
        // bench's own /health after each round
        assertEquals(22, healthAnswers(http) - healthBefore, 0.0);
        assertTrue(run.console().contains("pre-connected"), run.console());
    }

    @Test
    void clientFlagsOutOfPlaceAreRefusedNamingTheFlag() {
        Run unknown = bench("--target", grpc(), "--burst", "5", "--http-client", "curl");
        assertEquals(2, unknown.exit(), unknown.console());
        assertTrue(unknown.console().contains("--http-client: expected jdk or netty, got 'curl'"), unknown.console());
        Run alone = bench("--target", grpc(), "--rate", "1", "--duration", "1s", "--preconnect");
        assertEquals(2, alone.exit(), alone.console());
        assertTrue(alone.console().contains("--preconnect goes with --burst"), alone.console());
    }

    @Test
    void preconnectedBurstOverGrpcAnswersEveryRequest() throws Exception {
        Path out = dir.resolve("grpc-burst.json");
        Run run = bench("--target", grpc(), "--burst", "10", "--preconnect", "--prompt-tokens", "16",
                "--output-tokens", String.valueOf(OUTPUT), "--metrics-url", "http://127.0.0.1:" + server.httpPort()
                        + "/metrics", "--out", out.toString());
        assertEquals(0, run.exit(), run.console());
        var client = new ObjectMapper().readTree(out.toFile()).get(0).get("client");
        assertEquals(10, client.get("finished").asLong() + client.get("rejected").asLong(), run.console());
    }

    private static double healthAnswers(HttpClient http) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("ferry_http_requests_total{path=\"/health\",status=\"200\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void openLoop(String target, String file, String... extra) throws Exception {
        Path out = dir.resolve(file);
        List<String> args = new ArrayList<>(List.of("--target", target, "--rate", "10", "--duration", "2s", "--warmup",
                "300ms", "--prompt-tokens", "uniform:8:24", "--shared-prefix", "0.5", "--output-tokens",
                String.valueOf(OUTPUT), "--slo-ttft", "5s", "--slo-itl", "1s", "--out", out.toString()));
        args.addAll(List.of(extra));
        Run run = bench(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.console());
        LoadResult r = ResultsJson.readRun(out);
        assertTrue(r.sent() >= 5, "a 2 s run at 10 req/s sends some requests: " + r.sent());
        assertEquals(r.sent(), r.finished(), run.console());
        assertEquals(0, r.unanswered());
        assertEquals(0, r.failed() + r.rejected(), run.console());
        assertEquals(r.finished() * OUTPUT, r.outputTokens());
        assertEquals(0, r.shortOutputs());
        assertTrue(r.requestThroughput() > 0 && r.outputTokensPerSecond() > 0);
        assertTrue(r.goodput() != null && r.goodput() <= r.requestThroughput());
        assertOrdered(r.ttftMs());
        assertOrdered(r.itlMs());
        assertOrdered(r.e2eMs());
        assertTrue(r.e2eMs().p50() >= r.ttftMs().p50());
        assertEquals(r.sent(), r.schedulingLagMs().count(), "every measured send's lag is recorded");
        assertTrue(r.itlMs().count() <= r.finished() * (OUTPUT - 1), "at most one gap per token after the first");
    }

    private static void assertOrdered(Percentiles p) {
        assertTrue(p.count() > 0 && p.p50() > 0, p.toString());
        assertTrue(p.p50() <= p.p90() && p.p90() <= p.p95() && p.p95() <= p.p99() && p.p99() <= p.max(), p.toString());
    }

    private static String grpc() {
        return "grpc://127.0.0.1:" + server.grpcPort();
    }

    private record Run(int exit, String console) {}

    private static Run bench(String... args) {
        StringWriter console = new StringWriter();
        var cli = BenchCommand.commandLine();
        cli.setOut(new PrintWriter(console, true));
        cli.setErr(new PrintWriter(console, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--model", "tiny", "--max-token-id", "500"));
        return new Run(cli.execute(all.toArray(String[]::new)), console.toString());
    }
}
