package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Spring AI 2's auto-configured {@link EmbeddingModel} against the shared {@code ferry serve}: it
 * asks for base64 by default, and what it decodes must be exactly the floats Ferry writes when asked
 * for JSON numbers (which the server tests hold to the engine's own vectors).
 */
@SpringBootTest(classes = SpringAiApp.class)
class SpringAiEmbeddingTest {
    private static final List<String> TEXTS = List.of("the quick brown fox", "hello ferry");

    @DynamicPropertySource
    static void ferry(DynamicPropertyRegistry properties) {
        SpringAiApp.pointAt(properties, () -> FerryServe.shared().v1());
    }

    @Autowired
    EmbeddingModel embeddingModel;

    @Test
    void embedsWhatFerryComputes() throws Exception {
        List<float[]> got = embeddingModel.embed(TEXTS);
        HttpResponse<String> floats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(FerryServe.shared().v1() + "/embeddings"))
                .header("authorization", "Bearer " + FerryServe.API_KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new ObjectMapper().writeValueAsString(
                        java.util.Map.of("model", FerryServe.EMBEDDING_MODEL, "input", TEXTS, "encoding_format", "float"))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, floats.statusCode(), floats.body());
        JsonNode data = new ObjectMapper().readTree(floats.body()).get("data");
        assertEquals(TEXTS.size(), got.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonNode expected = data.get(i).get("embedding");
            assertEquals(expected.size(), got.get(i).length);
            for (int j = 0; j < expected.size(); j++) {
                assertEquals(expected.get(j).floatValue(), got.get(i)[j], "component " + j + " of input " + i);
            }
        }
        assertEquals(64, embeddingModel.dimensions());
    }
}
