package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ChatTemplate;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.net.NettyTransport;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.create.ChatStyle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An HTTP API server on an ephemeral port over a fresh serving fixture, for one test class (register
 * it as a static extension), and a plain HTTP/1.1 client for it.
 */
final class LiveServer implements BeforeAllCallback, AfterAllCallback {
    static final ObjectMapper JSON = new ObjectMapper();

    private final ApiKeys keys;
    private final ServingLimits limits;
    private final EngineConfig engineConfig;
    private final int contextLength;
    private final ChatStyle chat;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path store;
    private NettyTransport transport;
    ServingFixture fixture;
    HttpApiServer server;

    LiveServer() {
        this(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS);
    }

    LiveServer(ApiKeys keys, ServingLimits limits, EngineConfig engineConfig) {
        this(keys, limits, engineConfig, 256);
    }

    /** @param contextLength the tiny model's context length (256 unless a test needs long outputs) */
    LiveServer(ApiKeys keys, ServingLimits limits, EngineConfig engineConfig, int contextLength) {
        this(keys, limits, engineConfig, contextLength, ChatStyle.FAMILY);
    }

    /** @param chat the tiny model's chat template: REASONING for a model that thinks */
    LiveServer(ApiKeys keys, ServingLimits limits, EngineConfig engineConfig, int contextLength, ChatStyle chat) {
        this.keys = keys;
        this.limits = limits;
        this.engineConfig = engineConfig;
        this.contextLength = contextLength;
        this.chat = chat;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        store = Files.createTempDirectory("ferry-http-test");
        fixture = new ServingFixture(store, keys, limits, engineConfig, contextLength, chat);
        transport = new NettyTransport(2);
        server = HttpApiServer.start(fixture.context, transport, "127.0.0.1", 0);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        server.close();
        transport.close();
        fixture.close();
        try (Stream<Path> files = Files.walk(store)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** POSTs {@code json}; {@code headers} are name, value pairs. */
    HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).GET().build());
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    HttpClient client() {
        return client;
    }

    /** The data of each SSE event, in order; the stream must end with {@code data: [DONE]}. */
    static List<JsonNode> events(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        String[] events = response.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1], "the stream must end with [DONE]");
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < events.length - 1; i++) {
            assertTrue(events[i].startsWith("data: "), events[i]);
            out.add(JSON.readTree(events[i].substring("data: ".length())));
        }
        return out;
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    ServedModel.Instance model() {
        return fixture.registry.get(ServingFixture.MODEL).instance();
    }

    Engine engine() {
        return model().engine();
    }

    /** What the engine generates greedily from {@code text}, encoded as the server encodes a text prompt. */
    TokenStream.Result greedy(String text, int maxTokens) throws Exception {
        return greedy(model().folder().tokenizer().encode(text, true), maxTokens);
    }

    /** The same for one user message rendered with the model's chat template, as the server renders it. */
    TokenStream.Result greedyChat(String userMessage, int maxTokens) throws Exception {
        ChatTemplate.Rendered r = model().chatTemplate().render(List.of(new Prompt.ChatMessage("user", userMessage)), true);
        return greedy(model().folder().tokenizer().encode(r.text(), r.addSpecialTokens()), maxTokens);
    }

    TokenStream.Result greedy(int[] ids, int maxTokens) throws Exception {
        GenerateRequest g = GenerateRequest.of(ids, maxTokens, SamplingParams.greedy()).withIgnoreEos(true);
        return engine().submit(g).await(Duration.ofSeconds(30));
    }
}
