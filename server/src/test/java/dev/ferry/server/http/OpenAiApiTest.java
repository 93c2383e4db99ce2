package dev.ferry.server.http;

import static dev.ferry.server.http.LiveServer.events;
import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAI endpoints over real sockets, checked against the engine itself: greedy decoding makes
 * what the server streams or returns identical to the same request run directly on the engine.
 */
class OpenAiApiTest {
    private static final int TOKENS = 24;

    /** No prefix caching: a run that reuses another's cached KV may differ from it in the last float bits. */
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS,
            EngineConfig.DEFAULTS.withPrefixCaching(false));

    @Test
    void streamedCompletionEqualsGreedyEngineRun() throws Exception {
        TokenStream.Result expected = live.greedy("Hello ferry", TOKENS);
        HttpResponse<String> r = live.post("/v1/completions", """
                {"model": "tiny", "prompt": "Hello ferry", "max_tokens": %d, "temperature": 0, "ignore_eos": true,
                 "stream": true, "stream_options": {"include_usage": true}}""".formatted(TOKENS),
                "x-request-id", "req-7");
        List<JsonNode> events = events(r);
        assertEquals("req-7", r.headers().firstValue("x-request-id").orElseThrow());

        StringBuilder text = new StringBuilder();
        List<JsonNode> content = events.subList(0, events.size() - 1);
        for (JsonNode e : content) {
            assertEquals("text_completion", e.get("object").asText());
            assertEquals("cmpl-req-7", e.get("id").asText());
            assertEquals("tiny", e.get("model").asText());
            text.append(e.get("choices").get(0).get("text").asText());
        }
        assertEquals(expected.text(), text.toString());
        for (JsonNode e : content.subList(0, content.size() - 1)) {
            assertTrue(e.get("choices").get(0).get("finish_reason").isNull(), e.toString());
        }
        assertEquals("length", content.get(content.size() - 1).get("choices").get(0).get("finish_reason").asText());

        JsonNode usage = events.get(events.size() - 1);
        assertEquals(0, usage.get("choices").size());
        assertEquals(expected.tokenIds().length, usage.get("usage").get("completion_tokens").asInt());
        assertEquals(TOKENS, expected.tokenIds().length);
        assertTrue(r.headers().firstValue(ResponseNotes.CACHE).isEmpty(), "no response cache, nothing to say about it");
        assertTrue(usage.get("usage").path(ResponseJson.CACHE_HIT).isMissingNode(), usage.toString());
    }

    @Test
    void wholeCompletionOfTokenIdsEqualsGreedyEngineRun() throws Exception {
        int[] prompt = {1, 72, 101, 108, 108, 111};
        TokenStream.Result expected = live.greedy(prompt, TOKENS);
        HttpResponse<String> r = live.post("/v1/completions", """
                {"prompt": %s, "max_tokens": %d, "temperature": 0, "ignore_eos": true, "n": 1, "echo": false}"""
                .formatted(Arrays.toString(prompt), TOKENS));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("text_completion", body.get("object").asText());
        assertEquals("tiny", body.get("model").asText());
        JsonNode choice = body.get("choices").get(0);
        assertEquals(expected.text(), choice.get("text").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        JsonNode usage = body.get("usage");
        assertEquals(prompt.length, usage.get("prompt_tokens").asInt());
        assertEquals(TOKENS, usage.get("completion_tokens").asInt());
        assertEquals(prompt.length + TOKENS, usage.get("total_tokens").asInt());
        assertEquals(0, usage.get("prompt_tokens_details").get("cached_tokens").asInt());
    }

    @Test
    void chatStreamOpensWithTheRoleAndEndsWithDone() throws Exception {
        TokenStream.Result expected = live.greedyChat("Hi", TOKENS);
        List<JsonNode> events = events(live.post("/v1/chat/completions", """
                {"model": "tiny", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
                 "max_completion_tokens": %d, "temperature": 0, "ignore_eos": true, "stream": true}"""
                .formatted(TOKENS)));
        JsonNode first = events.get(0).get("choices").get(0).get("delta");
        assertEquals("assistant", first.get("role").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            JsonNode delta = e.get("choices").get(0).get("delta");
            if (e != events.get(0)) {
                assertFalse(delta.has("role"), "only the first chunk names the role: " + e);
            }
            text.append(delta.path("content").asText(""));
        }
        assertEquals(expected.text(), text.toString());
        assertEquals("length", events.get(events.size() - 1).get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void completionsDefaultToSixteenTokensLikeOpenAi() throws Exception {
        JsonNode body = json(live.post("/v1/completions", "{\"prompt\": \"Hi\", \"ignore_eos\": true}"));
        assertEquals(16, body.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void logprobsComeInEachEndpointsShape() throws Exception {
        JsonNode completion = json(live.post("/v1/completions", """
                {"prompt": "Hi", "max_tokens": 4, "temperature": 0, "ignore_eos": true, "logprobs": 2}"""));
        JsonNode lp = completion.get("choices").get(0).get("logprobs");
        assertEquals(4, lp.get("tokens").size());
        assertEquals(4, lp.get("text_offset").size());
        for (int i = 0; i < 4; i++) {
            assertTrue(lp.get("token_logprobs").get(i).asDouble() <= 0);
            assertTrue(lp.get("top_logprobs").get(i).size() >= 1, lp.toString()); // two ids may decode alike
        }

        JsonNode chat = json(live.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0, "ignore_eos": true,
                 "logprobs": true, "top_logprobs": 2}"""));
        JsonNode content = chat.get("choices").get(0).get("logprobs").get("content");
        assertEquals(4, content.size());
        for (JsonNode t : content) {
            assertEquals(2, t.get("top_logprobs").size());
            assertTrue(t.get("logprob").asDouble() <= 0);
        }
        assertEquals("assistant", chat.get("choices").get(0).get("message").get("role").asText());
    }

    /**
     * Official SDKs reuse connections, and HTTP/1.1 lets a client send its next request before the
     * answer to the last (pipelining): both share one socket and are answered in order.
     */
    @Test
    void oneConnectionCarriesSeveralRequestsInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", live.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String body = "{\"prompt\": \"Hi\", \"max_tokens\": 3, \"stream\": true}";
            out.write(("POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body + "GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            String line;
            int events = 0;
            while (!(line = in.readLine()).equals("0")) { // the chunked stream's last chunk
                events += line.startsWith("data: {\"id\"") ? 1 : 0;
            }
            assertEquals("", in.readLine());
            assertTrue(events >= 1, "the stream came first, whole");

            assertEquals("HTTP/1.1 200 OK", in.readLine());
            while (!(line = in.readLine()).isEmpty()) {
                assertFalse(line.startsWith("data:"), line);
            }
            char[] health = new char[15];
            assertEquals(15, in.read(health));
            assertEquals("{\"status\":\"ok\"}", new String(health));
        }
    }
}
