package dev.ferry.server.http;

import static dev.ferry.server.http.BadInputTest.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What stands between a client and the engine: API keys, the body size limit, and the engine's bounded queue. */
class GuardsTest {
    private static final String KEY = "sk-guards";
    private static final String[] AUTH = {"authorization", "Bearer " + KEY};
    private static final int MAX_BODY = 1024;

    /** A queue of one request, so that two submits in one engine step overflow it. */
    @RegisterExtension
    static final LiveServer live = new LiveServer(new ApiKeys(List.of(KEY), List.of()),
            new ServingLimits(MAX_BODY, 1 << 20, 16), EngineConfig.DEFAULTS.withMaxQueuedRequests(1));

    @Test
    void theApiNeedsAValidKeyAndHealthDoesNot() throws Exception {
        String body = "{\"prompt\": \"Hi\", \"max_tokens\": 2}";
        JsonNode missing = error(live.post("/v1/completions", body), 401);
        assertEquals("authentication_error", missing.get("type").asText());
        error(live.post("/v1/completions", body, "authorization", "Bearer sk-other"), 401);
        error(live.get("/v1/models"), 401);

        assertEquals(200, live.post("/v1/completions", body, AUTH).statusCode());
        assertEquals(200, live.get("/v1/models", AUTH).statusCode());
        assertEquals(200, live.get("/health").statusCode());
        assertEquals(200, live.get("/metrics").statusCode());
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        String body = "{\"prompt\": \"" + "x".repeat(2 * MAX_BODY) + "\"}";
        JsonNode announced = error(live.post("/v1/completions", body, AUTH), 413);
        assertTrue(announced.get("message").asText().contains(MAX_BODY + " bytes"), announced.toString());

        // Without a Content-Length the limit trips while the chunks arrive.
        HttpRequest chunked = live.request("/v1/completions", AUTH).POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofString(body))).build();
        error(live.send(chunked), 413);

        assertEquals(200, live.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 1}", AUTH).statusCode());
    }

    /**
     * A chunked body that overruns the limit is answered mid-body; closing then would leave the rest
     * of the body unread, and the kernel's reset could destroy the 413 before the client reads it. So
     * the connection stays open while the body keeps coming and closes cleanly at its end.
     */
    @Test
    void aConnectionAnsweredMidBodyClosesAtTheBodysEnd() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", live.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + KEY
                    + "\r\ntransfer-encoding: chunked\r\n\r\n" + chunk(2 * MAX_BODY)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 413"), head);
            assertTrue(head.toLowerCase(Locale.ROOT).contains("connection: close"), head);
            int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
            assertEquals(length, in.readNBytes(length).length);

            socket.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, in::read, "closed while the client was still sending");

            out.write((chunk(MAX_BODY) + "0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long sent = System.nanoTime();
            socket.setSoTimeout(10_000);
            assertEquals(-1, in.read(), "the body's end must close the connection, without a reset");
            long waitedMs = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(waitedMs < LingeringClose.MAX_LINGER_MILLIS / 2, "closed by the linger deadline, after " + waitedMs + " ms");
        }
    }

    private static String chunk(int size) {
        return Integer.toHexString(size) + "\r\n" + "x".repeat(size) + "\r\n";
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "the connection closed before the answer's head: " + head);
            head.append((char) b);
        }
        return head.toString();
    }

    /**
     * The engine queue holds one request and is emptied at the start of every engine iteration, so
     * two submits inside one step overflow it. Long streams keep the engine stepping while bursts of
     * short requests arrive; one of the bursts must be shed with 429 and a retry hint.
     */
    @Test
    void aFullEngineQueueIs429WithRetryAfter() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            streams.add(live.client().sendAsync(completion(200, true), HttpResponse.BodyHandlers.ofString()));
        }
        HttpResponse<String> refused = null;
        for (int burst = 0; burst < 200 && refused == null; burst++) {
            List<CompletableFuture<HttpResponse<String>>> shorts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                shorts.add(live.client().sendAsync(completion(1, false), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : shorts) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 429) {
                    refused = r;
                } else {
                    assertEquals(200, r.statusCode(), r.body());
                }
            }
        }
        assertNotNull(refused, "no burst overflowed the engine queue");
        JsonNode error = error(refused, 429);
        assertEquals("rate_limit_exceeded", error.get("type").asText());
        assertTrue(error.get("message").asText().contains("queue is full"), error.toString());
        assertEquals("1", refused.headers().firstValue("retry-after").orElseThrow());
        for (CompletableFuture<HttpResponse<String>> s : streams) {
            s.get(30, TimeUnit.SECONDS);
        }
    }

    private static HttpRequest completion(int maxTokens, boolean stream) {
        String body = "{\"prompt\": \"Hi\", \"max_tokens\": " + maxTokens + ", \"ignore_eos\": true, \"stream\": "
                + stream + "}";
        return live.request("/v1/completions", AUTH).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
