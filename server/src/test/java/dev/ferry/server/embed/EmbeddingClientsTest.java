package dev.ferry.server.embed;

import static dev.ferry.server.embed.EmbeddingsApiTest.assertClose;
import static dev.ferry.server.embed.EmbeddingsApiTest.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LangChain4j's OpenAiEmbeddingModel and openai-java embed through Ferry unchanged, in the
 * encoding each sends by default and in the other, and get the engine's own vectors: the wire
 * format is OpenAI's. (Spring AI's EmbeddingModel is tested in the clients module.)
 */
class EmbeddingClientsTest {
    private static final List<String> TEXTS = List.of("the quick brown fox", "hello ferry", "boats and rivers");

    @TempDir
    static Path store;
    static EmbeddingServer ferry;
    static float[][] expected;
    static OpenAIClient openAi;

    @BeforeAll
    static void start() throws Exception {
        // no cache: every client's request is computed, not replayed
        ferry = new EmbeddingServer(store, EmbeddingCacheConfig.DISABLED);
        expected = EmbeddingServer.reference(store.resolve(EmbeddingServer.BERT), TEXTS);
        openAi = OpenAIOkHttpClient.builder().baseUrl(ferry.baseUrl() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        openAi.close();
        ferry.close();
    }

    @Test
    void langChain4jEmbedsTheEnginesVectorsInFloatsAndBase64() {
        for (String format : new String[] {null, "base64"}) {
            OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder().baseUrl(ferry.baseUrl() + "/v1")
                    .apiKey("unused").modelName(EmbeddingServer.BERT).encodingFormat(format).maxRetries(0).build();
            List<Embedding> got = model.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
            for (int i = 0; i < TEXTS.size(); i++) {
                assertClose(expected[i], got.get(i).vector());
            }
            assertEquals(64, model.dimension());
        }
    }

    @Test
    void openAiJavaEmbedsTheEnginesVectorsInItsDefaultEncodingAndInFloats() {
        for (EmbeddingCreateParams.EncodingFormat format : new EmbeddingCreateParams.EncodingFormat[] {
                null, EmbeddingCreateParams.EncodingFormat.FLOAT, EmbeddingCreateParams.EncodingFormat.BASE64}) {
            EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model(EmbeddingServer.BERT)
                    .inputOfArrayOfStrings(TEXTS);
            if (format != null) {
                params.encodingFormat(format);
            }
            CreateEmbeddingResponse r = openAi.embeddings().create(params.build());
            assertEquals(TEXTS.size(), r.data().size());
            for (int i = 0; i < TEXTS.size(); i++) {
                assertEquals(i, r.data().get(i).index());
                assertClose(expected[i], floats(r.data().get(i).embedding()));
            }
            assertEquals(r.usage().promptTokens(), r.usage().totalTokens());
        }
    }

    @Test
    void openAiJavaAsksForMatryoshkaDimensions() {
        CreateEmbeddingResponse r = openAi.embeddings().create(EmbeddingCreateParams.builder().model(EmbeddingServer.MRL)
                .input("hello ferry").dimensions(32).build());
        assertEquals(32, r.data().get(0).embedding().size());
    }
}
