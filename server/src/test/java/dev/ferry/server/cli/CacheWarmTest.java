package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.server.CachingServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.ResultsStoreConfig;
import dev.ferry.server.models.ModelLoader;
import dev.ferry.server.models.ModelRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ferry cache warm} and {@code serve --warm-file} against a real server: the warmed requests
 * then answer from the cache, in-process and, after a restart, from the results database.
 */
class CacheWarmTest {
    /** ferry generate's format: a text prompt, token ids, a seeded sampled request. */
    static final List<String> REQUESTS = List.of(
            "{\"prompt\": \"Warm me\", \"max_tokens\": 6, \"temperature\": 0, \"ignore_eos\": true}",
            "{\"prompt_ids\": [1, 5, 9], \"max_tokens\": 5, \"temperature\": 0, \"id\": \"ids\"}",
            "{\"prompt\": \"Seeded\", \"max_tokens\": 4, \"temperature\": 0.7, \"seed\": 3, \"ignore_eos\": true}");

    record Run(int exit, String err) {}

    static Run ferry(String... args) {
        CommandLine cli = FerryCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), err.toString());
    }

    /** The lines as /v1/completions bodies, as the warmer sends them. */
    static List<String> bodies(Path file) throws Exception {
        return WarmRequests.read(file, ServingFixture.MODEL);
    }

    @Test
    void warmedRequestsAnswerFromTheCacheAndFromTheDatabaseAfterARestart(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("requests.jsonl"), REQUESTS);
        String results = ResultsStoreConfig.h2Url(dir.resolve("results"));
        try (ServingFixture fixture = new ServingFixture(dir.resolve("store"))) {
            try (CachingServer server = new CachingServer(fixture.registry, null, results)) {
                server.awaitMetric("ferry_results_db_up", up -> up == 1);
                Run warm = ferry("cache", "warm", "--server", server.url(), "--requests-file", file.toString(),
                        "--rate", "50");
                assertEquals(0, warm.exit(), warm.err());
                assertTrue(warm.err().contains("[" + "#".repeat(30) + "] 3/3"), warm.err());
                assertTrue(warm.err().endsWith("3 requests: 3 warmed, 0 already cached, 0 failed\n"), warm.err());
                for (String body : bodies(file)) {
                    assertEquals("l1", CachingServer.level(server.post("/v1/completions", body)), body);
                }
                Run again = ferry("cache", "warm", "--server", server.url(), "--requests-file", file.toString());
                assertTrue(again.err().endsWith("3 requests: 0 warmed, 3 already cached, 0 failed\n"), again.err());
                server.awaitMetric("ferry_results_db_writes_total", n -> n >= 3);
            }
            ModelRegistry registry = new ModelRegistry(fixture.store,
                    new ModelLoader(LoadOptions.defaults(), s -> EngineConfig.DEFAULTS));
            registry.loadAll();
            try (CachingServer restarted = new CachingServer(registry, null, results)) {
                restarted.awaitMetric("ferry_results_db_up", up -> up == 1);
                for (String body : bodies(file)) {
                    assertEquals("l3", CachingServer.level(restarted.post("/v1/completions", body)), body);
                }
            }
        }
    }

    @Test
    void serveWarmsItsCachesFromAFileInTheBackground(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("warm.jsonl"), REQUESTS);
        try (ServingFixture fixture = new ServingFixture(dir.resolve("store"));
             CachingServer server = new CachingServer(fixture.registry, null, ResultsStoreConfig.h2Url(dir))) {
            Thread warming = StartupWarming.start(file, "0.0.0.0", server.server.httpPort(), null, 50);
            warming.join(30_000);
            for (String body : bodies(file)) {
                assertEquals("l1", CachingServer.level(server.post("/v1/completions", body)), body);
            }
        }
    }

    @Test
    void aBadLineIsRefusedBeforeAnythingIsSentNamingTheLineAndField(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("bad.jsonl"), List.of(REQUESTS.get(0), "{\"prompt\": \"x\", \"tempreature\": 0}"));
        Run r = ferry("cache", "warm", "--server", "http://127.0.0.1:1", "--model", "tiny", "--requests-file",
                file.toString());
        assertEquals(2, r.exit());
        assertEquals("ferry warm: error: bad.jsonl line 2: unknown field 'tempreature'\n", r.err());
        Run noServer = ferry("cache", "warm", "--server", "localhost:8080", "--requests-file", file.toString());
        assertEquals(2, noServer.exit());
        assertTrue(noServer.err().contains("--server: expected the server's HTTP address"), noServer.err());
    }
}
