package dev.ferry.server.deploy;

import dev.ferry.server.cache.ResultsStoreConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ferry serve} replica as its own process on loopback ports. Surefire runs before the jar
 * is packaged, so it runs from the test JVM's classpath, which holds the same classes.
 */
final class FerryProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("gRPC port (\\d+), HTTP port (\\d+)");
    private static final Pattern READY = Pattern.compile("^ferry: ready");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final String name;
    final Daemon daemon;
    final int grpcPort;
    final int httpPort;

    private FerryProcess(String name, Daemon daemon, int grpcPort, int httpPort) {
        this.name = name;
        this.daemon = daemon;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
    }

    /**
     * Starts {@code ferry serve <args>} with free ports and a results database of its own in {@code dir}
     * (the default one, in the user's FERRY_HOME, is one process's at a time); {@link #awaitReady}
     * waits for its models.
     */
    static FerryProcess start(String name, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.ferry.server.cli.FerryCommand", "serve",
                "--host", "127.0.0.1", "--grpc-port", "0", "--http-port", "0", "--no-warmup-requests",
                "--results-db", ResultsStoreConfig.h2Url(dir.resolve(name + "-results"))));
        command.addAll(List.of(args));
        Daemon d = Daemon.start(name, dir, command);
        Matcher ports = d.awaitLine(LISTENING, Duration.ofSeconds(60));
        return new FerryProcess(name, d, Integer.parseInt(ports.group(1)), Integer.parseInt(ports.group(2)));
    }

    FerryProcess awaitReady() throws InterruptedException {
        daemon.awaitLine(READY, Duration.ofSeconds(90));
        return this;
    }

    String httpAddress() {
        return "127.0.0.1:" + httpPort;
    }

    String grpcAddress() {
        return "127.0.0.1:" + grpcPort;
    }

    /** Its {@code /metrics}, read directly: each sample as "name{labels}" to value. */
    Map<String, Double> metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + httpAddress() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** One sample of {@link #metrics()}, 0 when absent. */
    double metric(String sample) throws IOException, InterruptedException {
        return metrics().getOrDefault(sample, 0.0);
    }

    @Override
    public void close() {
        daemon.close();
    }

    @Override
    public String toString() {
        return name + " (gRPC " + grpcPort + ", HTTP " + httpPort + ")";
    }
}
