package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry serve} as a real process: creates the demo model in the default store, serves it
 * over gRPC ({@code ferry generate --server} streams from it), and exits 0 on SIGTERM.
 */
class ServeProcessTest {
    private static final Pattern GRPC_PORT = Pattern.compile("gRPC port (\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP port (\\d+)");

    @TempDir
    Path home;

    @Test
    void servesTheDemoModelAndExitsCleanlyOnSigterm() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dferry.home=" + home,
                "dev.ferry.server.cli.FerryCommand", "serve", "--grpc-port", "0", "--http-port", "0")
                .redirectErrorStream(true).start();
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        var lines = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread pump = new Thread(() -> new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .lines().forEach(l -> {
                    log.add(l);
                    lines.add(l);
                }));
        pump.setDaemon(true);
        pump.start();
        try {
            int port = -1;
            int httpPort = -1;
            for (String line; (line = lines.poll(60, TimeUnit.SECONDS)) != null; ) {
                Matcher m = GRPC_PORT.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
                Matcher h = HTTP_PORT.matcher(line);
                if (h.find()) {
                    httpPort = Integer.parseInt(h.group(1));
                }
                if (line.startsWith("ferry: ready")) {
                    break;
                }
            }
            assertTrue(port > 0 && log.get(log.size() - 1).contains("demo ready"), String.join("\n", log));
            assertTrue(Files.isRegularFile(home.resolve("model-store/demo/config.json")));

            var r = FerryCommandTest.ferry("generate", "--server", "127.0.0.1:" + port, "--prompt-ids", "1,5,9",
                    "--max-tokens", "12", "--temperature", "0", "--ignore-eos", "--json");
            assertEquals(0, r.exit(), r.err());
            JsonNode remote = new ObjectMapper().readTree(r.out());
            var local = FerryCommandTest.ferry("generate", "--model", home.resolve("model-store/demo").toString(),
                    "--prompt-ids", "1,5,9", "--max-tokens", "12", "--temperature", "0", "--ignore-eos", "--json");
            JsonNode expected = new ObjectMapper().readTree(local.out());
            assertEquals(expected.get("token_ids"), remote.get("token_ids"), "served greedy output equals local");
            assertEquals("demo", remote.get("model").asText());
            assertEquals("length", remote.get("finish_reason").asText());

            var http = java.net.http.HttpClient.newHttpClient();
            var completion = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + httpPort + "/v1/completions"))
                    .header("content-type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"demo\",\"prompt\":[1,5,9],\"max_tokens\":12,\"temperature\":0,\"ignore_eos\":true}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, completion.statusCode(), completion.body());
            assertEquals(12, new ObjectMapper().readTree(completion.body()).at("/usage/completion_tokens").asInt());

            var refused = FerryCommandTest.ferry("generate", "--server", "127.0.0.1:" + port, "--prompt", "hi",
                    "--max-tokens", "0");
            assertEquals(2, refused.exit());
            assertTrue(refused.err().contains("INVALID_ARGUMENT") && refused.err().contains("max_tokens"), refused.err());

            p.toHandle().destroy(); // SIGTERM, keeping our end of its output open
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits within the grace period");
            pump.join(5000);
            assertEquals(0, p.exitValue(), String.join("\n", log));
            assertTrue(log.stream().anyMatch(l -> l.contains("stopped")), String.join("\n", log));
        } finally {
            p.destroyForcibly();
        }
    }
}
