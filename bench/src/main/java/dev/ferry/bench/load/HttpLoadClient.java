package dev.ferry.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

/**
 * Streamed {@code POST /v1/completions} (OpenAI API, token-id prompts, {@code ignore_eos}) through
 * java.net.http's asynchronous client over HTTP/1.1, one connection per stream in flight. The SSE
 * body is read line by line as it arrives ({@link SseCompletion}); a 429 is a rejection, any other
 * status an error named {@code HTTP_<status>}. The client's pool keeps a connection alive after its
 * answer, so a burst's later rounds reuse the connections of the rounds before.
 *
 * <p>Requests ask for {@code logprobs: 0} (the chosen token's, a log-softmax per step on the
 * server): event text cannot be counted in tokens, and a token whose text is empty or held back (a
 * partial character) sends no event at all, so without them TTFT and ITL would be timed on text
 * rather than on tokens.
 */
final class HttpLoadClient implements LoadClient {
    private final ExecutorService executor;
    private final HttpClient http;
    private final URI completions;
    private final String model;
    private final float temperature;
    private final String apiKey;

    HttpLoadClient(String host, int port, String model, float temperature, String apiKey) {
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.completions = URI.create("http://" + host + ":" + port + "/v1/completions");
        this.model = model;
        this.temperature = temperature;
        this.apiKey = apiKey;
    }

    @Override
    public Prepared prepare(BenchRequest r) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(completions).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(CompletionBody.json(model, temperature, r)));
        if (apiKey != null) {
            builder.header("authorization", "Bearer " + apiKey);
        }
        HttpRequest request = builder.build();
        return new Prepared(r, t -> {
            SseCompletion sse = new SseCompletion(t);
            http.sendAsync(request, info -> info.statusCode() == 200 ? BodySubscribers.fromLineSubscriber(sse)
                            : BodySubscribers.replacing(null))
                    .whenComplete((response, error) -> ended(t, response, error));
        });
    }

    /** Sends {@code requests} GET /health at once: the client's pool keeps their connections for the next requests. */
    @Override
    public void preconnect(int requests) {
        URI health = completions.resolve("/health");
        CompletableFuture.allOf(IntStream.range(0, requests)
                .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()))
                .toArray(CompletableFuture[]::new)).join();
    }

    /** Only a response that is not a complete stream ends the request here; a complete one ended at [DONE]. */
    private static void ended(RequestTimeline t, HttpResponse<?> response, Throwable error) {
        long now = System.nanoTime();
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            t.failed(cause.getClass().getSimpleName(), now);
        } else if (response.statusCode() == 429) {
            t.rejected("HTTP_429", now);
        } else if (response.statusCode() != 200) {
            t.failed("HTTP_" + response.statusCode(), now);
        } else {
            t.failed("STREAM_ENDED_BEFORE_DONE", now);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
