package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.ResponseCacheConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A response-cache hit says so over HTTP: {@code x-ferry-cache} in the head (streams included) and
 * {@code usage.response_cache_hit}, which the official OpenAI SDK parses and {@code validate()}s.
 * Each test sends its own prompt, so that its first request is a miss whatever ran before.
 */
class ResponseCacheHttpTest {
    @TempDir
    static Path store;
    static ServingFixture fixture;
    static FerryServer server;
    static OpenAIClient sdk;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServingFixture(store);
        server = FerryServer.start(fixture.registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES, ResponseCacheConfig.DEFAULTS));
        sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.httpPort() + "/v1").apiKey("unused")
                .maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        server.close();
        fixture.close();
    }

    @Test
    void aRepeatedGreedyCompletionIsAMissThenAHit() throws Exception {
        String body = """
                {"prompt": "Cache me", "max_tokens": 12, "temperature": 0, "ignore_eos": true}""";
        HttpResponse<String> first = post("/v1/completions", body);
        HttpResponse<String> second = post("/v1/completions", body);
        assertEquals("miss", cacheHeader(first));
        assertEquals("l1", cacheHeader(second));
        JsonNode a = LiveServer.json(first);
        JsonNode b = LiveServer.json(second);
        assertEquals(a.at("/choices/0/text").asText(), b.at("/choices/0/text").asText());
        assertEquals(12, b.at("/usage/completion_tokens").asInt());
        assertEquals(false, a.at("/usage/" + ResponseJson.CACHE_HIT).asBoolean(true));
        assertEquals(true, b.at("/usage/" + ResponseJson.CACHE_HIT).asBoolean(false));
    }

    @Test
    void aRepeatedStreamSaysL1InItsHeadAndUsage() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": "Stream me"}], "max_tokens": 10, "seed": 5,
                 "temperature": 0.8, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}""";
        HttpResponse<String> first = post("/v1/chat/completions", body);
        HttpResponse<String> second = post("/v1/chat/completions", body);
        assertEquals("miss", cacheHeader(first));
        assertEquals("l1", cacheHeader(second));
        assertEquals(streamedText(first), streamedText(second));
        assertEquals(false, usage(first).get(ResponseJson.CACHE_HIT).asBoolean(true));
        assertEquals(true, usage(second).get(ResponseJson.CACHE_HIT).asBoolean(false));
    }

    @Test
    void anUncacheableRequestIsAlwaysAMiss() throws Exception {
        String body = """
                {"prompt": "Sampled freely", "max_tokens": 4, "temperature": 1}""";
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post("/v1/completions", body);
            assertEquals("miss", cacheHeader(r));
            assertEquals(false, LiveServer.json(r).at("/usage/" + ResponseJson.CACHE_HIT).asBoolean(true));
        }
    }

    @Test
    void aRequestForSeveralChoicesIsNeverCached() throws Exception {
        String body = """
                {"prompt": "Twice over", "max_tokens": 4, "temperature": 0, "n": 2}""";
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = post("/v1/completions", body);
            assertEquals("miss", cacheHeader(r));
            assertEquals(2, LiveServer.json(r).get("choices").size());
        }
    }

    @Test
    void theOpenAiSdkAcceptsTheUsageFieldAndKeepsIt() {
        CompletionCreateParams params = CompletionCreateParams.builder().model(ServingFixture.MODEL)
                .prompt("Through the SDK").maxTokens(8).temperature(0.0)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
        Completion miss = sdk.completions().create(params).validate();
        Completion hit = sdk.completions().create(params).validate();
        assertEquals(miss.choices().get(0).text(), hit.choices().get(0).text());
        assertEquals(JsonValue.from(false), cacheHit(miss.usage().orElseThrow()));
        assertEquals(JsonValue.from(true), cacheHit(hit.usage().orElseThrow()));

        ChatCompletionCreateParams chat = ChatCompletionCreateParams.builder().model(ServingFixture.MODEL)
                .addUserMessage("Stream through the SDK").maxCompletionTokens(8).temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
        for (boolean expected : new boolean[] {false, true}) {
            List<CompletionUsage> usages = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(chat)) {
                stream.stream().forEach(chunk -> chunk.validate().usage().ifPresent(usages::add));
            }
            assertEquals(1, usages.size());
            assertEquals(JsonValue.from(expected), cacheHit(usages.get(0)));
        }
    }

    private static JsonValue cacheHit(CompletionUsage usage) {
        Map<String, JsonValue> extra = usage._additionalProperties();
        assertTrue(extra.containsKey(ResponseJson.CACHE_HIT), extra.toString());
        return extra.get(ResponseJson.CACHE_HIT);
    }

    private static String cacheHeader(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue(ResponseNotes.CACHE).orElse("(none)");
    }

    private static String streamedText(HttpResponse<String> r) throws Exception {
        StringBuilder text = new StringBuilder();
        for (JsonNode e : LiveServer.events(r)) {
            e.path("choices").forEach(c -> text.append(c.path("delta").path("content").asText("")));
        }
        assertTrue(!text.isEmpty(), r.body());
        return text.toString();
    }

    private static JsonNode usage(HttpResponse<String> r) throws Exception {
        List<JsonNode> events = LiveServer.events(r);
        return events.get(events.size() - 1).get("usage");
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
