package dev.ferry.server.embed;

import static dev.ferry.server.embed.EmbeddingsApiTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.cache.EmbeddingCacheConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad embeddings request gets its own 400, naming the field (and the input's index). */
class EmbeddingsBadInputTest {
    @TempDir
    static Path store;
    static EmbeddingServer ferry;

    @BeforeAll
    static void start() throws Exception {
        ferry = new EmbeddingServer(store, EmbeddingCacheConfig.DEFAULTS);
    }

    @AfterAll
    static void stop() throws Exception {
        ferry.close();
    }

    private static HttpResponse<String> embed(String fields) throws Exception {
        return ferry.post("/v1/embeddings", "{\"model\": \"bert\", " + fields + "}");
    }

    @Test
    void emptyInputs() throws Exception {
        assertRefused(embed("\"input\": \"\""), "input", "input[0]: is an empty string");
        assertRefused(embed("\"input\": [\"hi\", \"\"]"), "input", "input[1]: is an empty string");
        assertRefused(embed("\"input\": []"), "input", "input: is an empty list");
        assertRefused(embed("\"input\": [[5, 6], []]"), "input", "input[1]: empty input");
        assertRefused(ferry.post("/v1/embeddings", "{\"model\": \"bert\"}"), "input", "input: is required");
    }

    @Test
    void tooManyInputs() throws Exception {
        String many = "\"x\",".repeat(9_999) + "\"x\"";
        assertRefused(embed("\"input\": [" + many + "]"), "input", "holds 10000 inputs; one request takes at most 2048");
    }

    @Test
    void idsOutsideTheVocabulary() throws Exception {
        assertRefused(embed("\"input\": [[5, 6], [5, 1000000]]"), "input",
                "input[1]: token id 1000000 is outside the vocabulary");
        assertRefused(embed("\"input\": [5, -1]"), "input", "input[0]: token id -1 is outside the vocabulary");
    }

    @Test
    void wrongTypesAndFormats() throws Exception {
        assertRefused(embed("\"input\": \"hi\", \"encoding_format\": \"int8\""), "encoding_format",
                "must be \"float\" or \"base64\", got \"int8\"");
        assertRefused(embed("\"input\": \"hi\", \"encoding_format\": 1"), "encoding_format", "must be a string");
        assertRefused(embed("\"input\": 42"), "input", "must be a string, a list of strings, a list of token ids");
        assertRefused(embed("\"input\": {\"text\": \"hi\"}"), "input", "must be a string, a list of strings");
        assertRefused(embed("\"input\": [\"hi\", 5]"), "input[1]", "input[1]: must be a string, as input[0] is");
        assertRefused(embed("\"input\": [[1, 2], \"hi\"]"), "input[1]", "must be a list of token ids");
        assertRefused(embed("\"input\": [5, 1.5]"), "input[1]", "input[1]: must be an integer");
        assertRefused(embed("\"input\": [true]"), "input[0]", "input[0]: must be a string, a token id");
        assertRefused(embed("\"input\": \"hi\", \"dimensions\": \"16\""), "dimensions", "must be an integer");
        assertRefused(embed("\"input\": \"hi\", \"dimensions\": 0"), "dimensions", "must be between 1 and the model's 64");
        assertRefused(embed("\"input\": \"hi\", \"truncate\": \"yes\""), "truncate", "must be true or false");
    }

    @Test
    void unknownFieldsAreIgnoredAndNamedAsForChat() throws Exception {
        HttpResponse<String> r = embed("\"input\": \"hi\", \"colour\": \"blue\"");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("colour", r.headers().firstValue("x-ferry-ignored-fields").orElseThrow());
    }

    @Test
    void anUnknownModelIs404() throws Exception {
        HttpResponse<String> r = ferry.post("/v1/embeddings", "{\"model\": \"nope\", \"input\": \"hi\"}");
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(r.body().contains("model 'nope' not found"), r.body());
    }
}
