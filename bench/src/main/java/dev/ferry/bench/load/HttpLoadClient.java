package dev.ferry.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Streamed {@code POST /v1/completions} (OpenAI API, token-id prompts, {@code ignore_eos}) through
 * java.net.http's asynchronous client over HTTP/1.1, one connection per stream in flight. The SSE
 * body is read line by line as it arrives ({@link SseCompletion}); a 429 is a rejection, any other
 * status an error named {@code HTTP_<status>}.
 *
 * <p>Requests ask for {@code logprobs: 0} (the chosen token's, a log-softmax per step on the
 * server): event text cannot be counted in tokens, and a token whose text is empty or held back (a
 * partial character) sends no event at all, so without them TTFT and ITL would be timed on text
 * rather than on tokens.
 */
final class HttpLoadClient implements LoadClient {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    public void send(RequestTimeline t) {
        HttpRequest.Builder request = HttpRequest.newBuilder(completions).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(t.request())));
        if (apiKey != null) {
            request.header("authorization", "Bearer " + apiKey);
        }
        SseCompletion sse = new SseCompletion(t);
        http.sendAsync(request.build(), info -> info.statusCode() == 200 ? BodySubscribers.fromLineSubscriber(sse)
                        : BodySubscribers.replacing(null))
                .whenComplete((response, error) -> ended(t, response, error));
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

    private byte[] body(BenchRequest r) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", r.outputTokens())
                .put("temperature", temperature).put("ignore_eos", true).put("stream", true).put("logprobs", 0);
        var prompt = body.putArray("prompt");
        for (int id : r.promptIds()) {
            prompt.add(id);
        }
        body.putObject("stream_options").put("include_usage", true);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of numbers and strings always serializes
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
