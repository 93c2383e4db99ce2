package dev.ferry.server.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.Executables;
import dev.ferry.server.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus running compose's docker/prometheus/prometheus.yml unchanged, with its
 * targets file pointing at the test's replicas and its database in a temp folder.
 */
final class Prometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final int port;
    private final Daemon daemon;

    private Prometheus(int port, Daemon daemon) {
        this.port = port;
        this.daemon = daemon;
    }

    /** The installed binary; fails saying how to install it when there is none. */
    static Path binary() {
        return Executables.require("prometheus", "prometheus", "the scale-out test scrapes the replicas with it");
    }

    static Prometheus start(Path dockerDir, Path dir, List<FerryProcess> replicas) throws IOException, InterruptedException {
        Path prometheus = binary();
        Path config = dir.resolve("prometheus.yml");
        Files.copy(dockerDir.resolve("prometheus/prometheus.yml"), config);
        Files.writeString(dir.resolve("ferry-targets.json"), JSON.writeValueAsString(
                List.of(Map.of("targets", replicas.stream().map(FerryProcess::httpAddress).toList()))));
        int port = RedisServer.freePort();
        return new Prometheus(port, Daemon.start("prometheus", dir, List.of(prometheus.toString(),
                "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)).awaitPorts(Duration.ofSeconds(20), port));
    }

    /** {@code GET /api/v1/<path>}'s {@code data}. */
    JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("Prometheus answered " + r.statusCode() + ": " + r.body());
        }
        return body.get("data");
    }

    /** An instant query's result vector. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return api("query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("result");
    }

    String log() {
        return daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
