package dev.ferry.server.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.ChatMessage;
import dev.ferry.api.v1.ChatMessages;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.RouteResponse;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ChatTemplate;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry.v1.Routing/Route} and {@code POST /v1/route} give the documented key of the tokens the engine would see. */
class RouteTest {
    static final String TEXT = "The quick brown fox jumps over the lazy dog, twice.";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path store;
    static ServingFixture fixture;
    static FerryServer server;
    static ManagedChannel channel;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        fixture = new ServingFixture(store);
        server = FerryServer.start(fixture.registry, new FerryServer.Options("127.0.0.1", 0, 0, ApiKeys.none(),
                ServingLimits.DEFAULTS, FerryServer.Options.DEFAULT_STREAM_BUFFER_BYTES));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        server.close();
        fixture.close();
    }

    static ServedModel.Instance model() {
        return fixture.registry.get(ServingFixture.MODEL).instance();
    }

    static RouteResponse grpcRoute(GenerateRequest.Builder request) {
        return RoutingGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).route(request.build());
    }

    static HttpResponse<String> httpRoute(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/v1/route"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bothTransportsKeyATextPromptOnItsFirstBlockOfTokens() throws Exception {
        int[] ids = model().folder().tokenizer().encode(TEXT, true);
        String expected = PrefixKey.of(ServingFixture.MODEL, ids, 16);

        RouteResponse g = grpcRoute(GenerateRequest.newBuilder().setModel(ServingFixture.MODEL).setText(TEXT));
        assertEquals(expected, g.getPrefixKey());
        assertEquals(ServingFixture.MODEL, g.getModel());
        assertEquals(16, g.getBlockSize());
        assertEquals(Math.min(16, ids.length), g.getKeyTokens());

        HttpResponse<String> h = httpRoute("{\"model\":\"tiny\",\"prompt\":" + JSON.writeValueAsString(TEXT) + "}");
        assertEquals(200, h.statusCode(), h.body());
        JsonNode body = JSON.readTree(h.body());
        assertEquals(expected, body.get("prefix_key").asText());
        assertEquals(expected, h.headers().firstValue(PrefixKey.HEADER).orElse(null));
        assertEquals(16, body.get("block_size").asInt());
    }

    @Test
    void chatIsKeyedOnTheRenderedTemplate() throws Exception {
        String system = "You are a helpful assistant who answers in one short sentence.";
        ChatTemplate.Rendered r = model().chatTemplate().render(
                List.of(new Prompt.ChatMessage("system", system), new Prompt.ChatMessage("user", "Hi")), true);
        String expected = PrefixKey.of(ServingFixture.MODEL,
                model().folder().tokenizer().encode(r.text(), r.addSpecialTokens()), 16);

        RouteResponse g = grpcRoute(GenerateRequest.newBuilder().setModel(ServingFixture.MODEL)
                .setChat(ChatMessages.newBuilder()
                        .addMessages(ChatMessage.newBuilder().setRole("system").setContent(system))
                        .addMessages(ChatMessage.newBuilder().setRole("user").setContent("Hi"))));
        HttpResponse<String> h = httpRoute("{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":"
                + JSON.writeValueAsString(system) + "},{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}");
        assertEquals(expected, g.getPrefixKey());
        assertEquals(expected, JSON.readTree(h.body()).get("prefix_key").asText(), h.body());
        assertNotEquals(expected, grpcRoute(GenerateRequest.newBuilder().setModel(ServingFixture.MODEL).setText(system))
                .getPrefixKey(), "the template's framing is part of the prefix");
    }

    @Test
    void refusesWhatGenerationRefuses() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> grpcRoute(GenerateRequest.newBuilder().setModel("nope").setText(TEXT)));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals(404, httpRoute("{\"model\":\"nope\",\"prompt\":\"hi\"}").statusCode());
        HttpResponse<String> empty = httpRoute("{\"model\":\"tiny\",\"prompt\":\"\"}");
        assertEquals(400, empty.statusCode());
        assertEquals("prompt", JSON.readTree(empty.body()).at("/error/param").asText());
    }
}
