package dev.ferry.server.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.v1.EmbedInput;
import dev.ferry.api.v1.EmbedRequest;
import dev.ferry.api.v1.EmbedResponse;
import dev.ferry.api.v1.EmbeddingsGrpc;
import dev.ferry.api.v1.GetModelRequest;
import dev.ferry.api.v1.ModelInfo;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.cache.EmbeddingCacheConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /v1/embeddings and gRPC Embed on a real server whose store holds a generator and two
 * embedding models: each input shape, float and base64, usage, Matryoshka dimensions, truncation,
 * both kinds listed, and each kind refusing the other's requests naming {@code model}.
 */
class EmbeddingsApiTest {
    private static final List<String> TEXTS = List.of("the quick brown fox", "hello", "a longer sentence about boats");

    @TempDir
    static Path store;
    static EmbeddingServer ferry;
    static float[][] expected;

    @BeforeAll
    static void start() throws Exception {
        ferry = new EmbeddingServer(store, EmbeddingCacheConfig.DISABLED);
        expected = EmbeddingServer.reference(store.resolve(EmbeddingServer.BERT), TEXTS);
    }

    @AfterAll
    static void stop() throws Exception {
        ferry.close();
    }

    @Test
    void aListOfTextsGetsTheEnginesVectorsInOrderWithUsage() throws Exception {
        HttpResponse<String> r = ferry.post("/v1/embeddings", """
                {"model": "bert", "input": ["the quick brown fox", "hello", "a longer sentence about boats"],
                 "user": "someone"}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = EmbeddingServer.json(r);
        assertEquals("list", body.get("object").asText());
        assertEquals("bert", body.get("model").asText());
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonNode d = body.get("data").get(i);
            assertEquals("embedding", d.get("object").asText());
            assertEquals(i, d.get("index").asInt());
            assertClose(expected[i], floats(d.get("embedding")));
        }
        int tokens = 0;
        for (String t : TEXTS) {
            tokens += ferry.registry.get(EmbeddingServer.BERT).embedder().encoder().encode(t).length;
        }
        assertEquals(tokens, body.at("/usage/prompt_tokens").asInt());
        assertEquals(tokens, body.at("/usage/total_tokens").asInt());
    }

    @Test
    void base64IsLittleEndianFloat32OfTheSameVector() throws Exception {
        JsonNode floats = EmbeddingServer.json(ferry.post("/v1/embeddings", """
                {"model": "bert", "input": "hello"}"""));
        JsonNode packed = EmbeddingServer.json(ferry.post("/v1/embeddings", """
                {"model": "bert", "input": "hello", "encoding_format": "base64"}"""));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(packed.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertArrayEquals(floats(floats.at("/data/0/embedding")), decoded);
        assertClose(expected[1], decoded);
    }

    @Test
    void tokenIdsAreEmbeddedAsGiven() throws Exception {
        int[] ids = ferry.registry.get(EmbeddingServer.BERT).embedder().encoder().encode("hello");
        String list = java.util.Arrays.toString(ids);
        JsonNode one = EmbeddingServer.json(ferry.post("/v1/embeddings",
                "{\"model\": \"bert\", \"input\": " + list + "}"));
        JsonNode many = EmbeddingServer.json(ferry.post("/v1/embeddings",
                "{\"model\": \"bert\", \"input\": [" + list + ", " + list + "]}"));
        assertClose(expected[1], floats(one.at("/data/0/embedding")));
        assertEquals(2, many.get("data").size());
        assertClose(expected[1], floats(many.at("/data/1/embedding")));
        assertEquals(2 * ids.length, many.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void matryoshkaDimensionsCutAndRenormalize() throws Exception {
        JsonNode full = EmbeddingServer.json(ferry.post("/v1/embeddings", """
                {"model": "bert-mrl", "input": "hello"}"""));
        JsonNode cut = EmbeddingServer.json(ferry.post("/v1/embeddings", """
                {"model": "bert-mrl", "input": "hello", "dimensions": 16}"""));
        float[] f = floats(full.at("/data/0/embedding"));
        float[] c = floats(cut.at("/data/0/embedding"));
        assertEquals(16, c.length);
        double norm = 0;
        for (float x : c) {
            norm += x * x;
        }
        assertEquals(1, Math.sqrt(norm), 1e-5);
        double scale = c[0] / f[0];
        for (int i = 0; i < 16; i++) {
            assertEquals(f[i] * scale, c[i], 1e-5, "a prefix, rescaled");
        }
        HttpResponse<String> notListed = ferry.post("/v1/embeddings", """
                {"model": "bert-mrl", "input": "hello", "dimensions": 20}""");
        assertRefused(notListed, "dimensions", "serves [16, 32] or its full 64 dimensions, not 20");
        HttpResponse<String> noMrl = ferry.post("/v1/embeddings", """
                {"model": "bert", "input": "hello", "dimensions": 16}""");
        assertRefused(noMrl, "dimensions", "matryoshka-dimensions");
        assertEquals(200, ferry.post("/v1/embeddings", """
                {"model": "bert", "input": "hello", "dimensions": 64}""").statusCode(), "the full size is always served");
    }

    @Test
    void anInputOverTheMaximumIsRefusedByIndexOrTruncatedWhenAsked() throws Exception {
        String longText = "a ".repeat(400).trim();
        HttpResponse<String> refused = ferry.post("/v1/embeddings",
                "{\"model\": \"bert\", \"input\": [\"hello\", \"hi\", \"yes\", \"" + longText + "\"]}");
        assertRefused(refused, "input", "input[3]: 402 tokens exceed the model's maximum input of 256");
        JsonNode truncated = EmbeddingServer.json(ferry.post("/v1/embeddings",
                "{\"model\": \"bert\", \"input\": \"" + longText + "\", \"truncate\": true}"));
        assertEquals(256, truncated.at("/usage/prompt_tokens").asInt());
        float[] reference = EmbeddingServer.reference(store.resolve(EmbeddingServer.BERT),
                List.of("a ".repeat(254).trim()))[0];
        assertClose(reference, floats(truncated.at("/data/0/embedding")));
    }

    @Test
    void bothKindsAreListedAndRefuseTheOthersRequestsNamingModel() throws Exception {
        JsonNode models = EmbeddingServer.json(ferry.get("/v1/models"));
        List<String> ids = new ArrayList<>();
        models.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(Set.of(ServingFixture.MODEL, EmbeddingServer.BERT, EmbeddingServer.MRL), Set.copyOf(ids));

        assertRefused(ferry.post("/v1/chat/completions", """
                {"model": "bert", "messages": [{"role": "user", "content": "hi"}]}"""), "model", "is an embedding model");
        assertRefused(ferry.post("/v1/completions", """
                {"model": "bert", "prompt": "hi"}"""), "model", "is an embedding model");
        assertRefused(ferry.post("/v1/embeddings", """
                {"model": "tiny", "input": "hi"}"""), "model", "is a text-generation model");
        assertEquals(200, ferry.post("/v1/completions", """
                {"model": "tiny", "prompt": "hi", "max_tokens": 2}""").statusCode(), "the generator still generates");

        ModelInfo bert = ModelsGrpc.newBlockingStub(ferry.channel())
                .get(GetModelRequest.newBuilder().setName(EmbeddingServer.BERT).build());
        assertEquals("embedding", bert.getKind());
        assertEquals(64, bert.getDimensions());
        assertEquals(256, bert.getLimits().getMaxModelLen());
        assertEquals("bert", bert.getArchitecture());
        assertEquals("generation", ModelsGrpc.newBlockingStub(ferry.channel())
                .get(GetModelRequest.newBuilder().setName(ServingFixture.MODEL).build()).getKind());
    }

    @Test
    void grpcEmbedAnswersAsHttpDoesAndRefusesAlike() {
        EmbeddingsGrpc.EmbeddingsBlockingStub stub = EmbeddingsGrpc.newBlockingStub(ferry.channel());
        int[] ids = ferry.registry.get(EmbeddingServer.BERT).embedder().encoder().encode("hello");
        TokenIds.Builder tokenIds = TokenIds.newBuilder();
        for (int id : ids) {
            tokenIds.addIds(id);
        }
        EmbedResponse r = stub.embed(EmbedRequest.newBuilder().setModel(EmbeddingServer.BERT)
                .addInputs(EmbedInput.newBuilder().setText(TEXTS.get(0)))
                .addInputs(EmbedInput.newBuilder().setTokenIds(tokenIds)).build());
        assertEquals(EmbeddingServer.BERT, r.getModel());
        assertClose(expected[0], floats(r.getEmbeddings(0).getValuesList()));
        assertClose(expected[1], floats(r.getEmbeddings(1).getValuesList()));
        assertEquals(ferry.registry.get(EmbeddingServer.BERT).embedder().encoder().encode(TEXTS.get(0)).length + ids.length,
                r.getPromptTokens());

        StatusRuntimeException empty = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.embed(EmbedRequest.newBuilder().setModel(EmbeddingServer.BERT)
                        .addInputs(EmbedInput.newBuilder().setText("hi"))
                        .addInputs(EmbedInput.newBuilder().setText("")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
        assertTrue(empty.getStatus().getDescription().startsWith("input[1]: "), empty.getStatus().getDescription());
        StatusRuntimeException generator = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.embed(EmbedRequest.newBuilder().setModel(ServingFixture.MODEL)
                        .addInputs(EmbedInput.newBuilder().setText("hi")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, generator.getStatus().getCode());
        assertTrue(generator.getStatus().getDescription().startsWith("model: "));
    }

    static void assertRefused(HttpResponse<String> r, String param, String messagePart) throws Exception {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = EmbeddingServer.json(r).get("error");
        assertEquals(param, error.get("param").asText(), r.body());
        assertTrue(error.get("message").asText().contains(messagePart), error.get("message").asText());
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /** Within float rounding: a batch's other inputs may change the order of a sum, never its value beyond that. */
    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "component " + i);
        }
    }
}
