package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends requests to a server's {@code /v1/completions} so that their answers are computed and
 * stored in its caches: at most {@code rate} requests a second and {@code concurrency} at once, so
 * warming never crowds out the server's live traffic. Each answer's {@code x-ferry-cache} header says
 * whether it was computed now (warmed) or came from a cache already.
 */
final class CacheWarmer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    /** What a warming did. */
    record Summary(int total, int warmed, int cached, int failed) {
        int done() {
            return warmed + cached + failed;
        }
    }

    /** Told after each answer, from the thread that got it (one at a time). */
    interface Progress {
        void update(Summary soFar);
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI server;
    private final String apiKey;

    /** @param server the server's HTTP base URL, e.g. http://localhost:8080; @param apiKey null for none */
    CacheWarmer(String server, String apiKey) {
        String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        if (!base.matches("https?://[^/\\s]+")) {
            throw new IllegalArgumentException("--server: expected the server's HTTP address, e.g. "
                    + "http://localhost:8080, got '" + server + "'");
        }
        this.server = URI.create(base);
        this.apiKey = apiKey;
    }

    /** The model a line without one is for: the server's only model, or null when it serves several. */
    String onlyModel() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request("/v1/models").GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("server " + server + ": GET /v1/models answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode models = JSON.readTree(r.body()).path("data");
        return models.size() == 1 ? models.get(0).path("id").asText() : null;
    }

    /** Sends every body, paced; returns when all are answered. */
    Summary warm(List<String> bodies, double rate, int concurrency, Progress progress) throws InterruptedException {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate: must be positive, got " + rate);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency: must be at least 1, got " + concurrency);
        }
        AtomicInteger warmed = new AtomicInteger();
        AtomicInteger cached = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Semaphore inFlight = new Semaphore(concurrency);
        long start = System.nanoTime();
        long intervalNanos = (long) (1e9 / rate);
        CompletableFuture<?>[] answers = new CompletableFuture<?>[bodies.size()];
        for (int i = 0; i < bodies.size(); i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inFlight.acquire();
            answers[i] = http.sendAsync(request("/v1/completions").timeout(REQUEST_TIMEOUT)
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i))).build(),
                    HttpResponse.BodyHandlers.discarding())
                    .handle((r, e) -> {
                        inFlight.release();
                        if (e != null || r.statusCode() != 200) {
                            failed.incrementAndGet();
                        } else if (r.headers().firstValue("x-ferry-cache").orElse("miss").equals("miss")) {
                            warmed.incrementAndGet();
                        } else {
                            cached.incrementAndGet();
                        }
                        synchronized (progress) {
                            progress.update(new Summary(bodies.size(), warmed.get(), cached.get(), failed.get()));
                        }
                        return null;
                    });
        }
        CompletableFuture.allOf(answers).join();
        return new Summary(bodies.size(), warmed.get(), cached.get(), failed.get());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path));
        return apiKey == null ? b : b.header("authorization", "Bearer " + apiKey);
    }
}
