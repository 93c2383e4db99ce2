package dev.ferry.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Flow;

/**
 * Reads one streamed completion's Server-Sent Events line by line: an event's
 * {@code logprobs.tokens} are the tokens that arrived with it, the usage event gives the total,
 * {@code data: [DONE]} ends the request, and an {@code {"error": ...}} event fails it with its code.
 */
final class SseCompletion implements Flow.Subscriber<String> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATA = "data: ";

    private final RequestTimeline timeline;
    private int completionTokens = -1;

    SseCompletion(RequestTimeline timeline) {
        this.timeline = timeline;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        timeline.cancelWith(subscription::cancel);
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        long now = System.nanoTime();
        if (!line.startsWith(DATA)) {
            return; // the blank line between events
        }
        String data = line.substring(DATA.length());
        if (data.equals("[DONE]")) {
            if (completionTokens >= 0) {
                timeline.finished(completionTokens, now);
            } else {
                timeline.failed("SSE_NO_USAGE", now);
            }
            return;
        }
        JsonNode event;
        try {
            event = JSON.readTree(data);
        } catch (IOException e) {
            timeline.failed("SSE_BAD_JSON", now);
            return;
        }
        if (event.has("error")) {
            timeline.failed("SSE_" + event.path("error").path("code").asText("error").toUpperCase(), now);
            return;
        }
        JsonNode usage = event.get("usage");
        if (usage != null && !usage.isNull()) {
            completionTokens = usage.path("completion_tokens").asInt();
        }
        timeline.output(event.path("choices").path(0).path("logprobs").path("tokens").size(), now);
    }

    @Override
    public void onError(Throwable error) {
        timeline.failed(error.getClass().getSimpleName(), System.nanoTime());
    }

    @Override
    public void onComplete() {
        // the response's completion (HttpLoadClient) ends a stream that stopped before [DONE]
    }
}
