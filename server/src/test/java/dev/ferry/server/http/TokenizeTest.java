package dev.ferry.server.http;

import static dev.ferry.server.http.BadInputTest.error;
import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /tokenize} and {@code POST /detokenize} in vLLM's shapes, over a real socket. */
class TokenizeTest {
    private static final String KEY = "sk-tokens";
    private static final String[] AUTH = {"authorization", "Bearer " + KEY};
    private static final String CHAT = """
            [{"role": "system", "content": "You count tokens."}, {"role": "user", "content": "How many am I?"}]""";

    @RegisterExtension
    static final LiveServer live = new LiveServer(new ApiKeys(List.of(KEY), List.of()), ServingLimits.DEFAULTS,
            EngineConfig.DEFAULTS);

    @Test
    void textIsTheModelTokenizersOwnEncodingWithBos() throws Exception {
        ModelTokenizer tokenizer = live.model().folder().tokenizer();
        JsonNode t = ok("/tokenize", "{\"model\": \"tiny\", \"prompt\": \"Hello world\"}");
        int[] expected = tokenizer.encode("Hello world", true);
        assertArrayEquals(expected, ids(t.get("tokens")));
        assertEquals(expected.length, t.get("count").asInt());
        assertEquals(256, t.get("max_model_len").asInt());
        assertFalse(t.has("token_strs"), "token_strs only when asked for");
        assertEquals(tokenizer.encode("Hello world", false).length + 1, expected.length, "BOS leads");

        JsonNode bare = ok("/tokenize", "{\"prompt\": \"Hello world\", \"add_special_tokens\": false}");
        assertArrayEquals(tokenizer.encode("Hello world", false), ids(bare.get("tokens")));
    }

    @Test
    void tokenStringsSpellEachToken() throws Exception {
        JsonNode t = ok("/tokenize", "{\"prompt\": \"Hello world\", \"return_token_strs\": true}");
        JsonNode strs = t.get("token_strs");
        assertEquals(t.get("count").asInt(), strs.size());
        int[] ids = ids(t.get("tokens"));
        assertEquals(live.model().folder().tokenizer().tokenText(ids[0]), strs.get(0).asText(), "the BOS token's text");
    }

    @Test
    void aChatCountsWhatTheChatEndpointReportsAsPromptTokens() throws Exception {
        JsonNode t = ok("/tokenize", "{\"messages\": " + CHAT + "}");
        JsonNode chat = ok("/v1/chat/completions", "{\"messages\": " + CHAT + ", \"max_tokens\": 1}");
        assertEquals(chat.get("usage").get("prompt_tokens").asInt(), t.get("count").asInt());

        JsonNode bare = ok("/tokenize", "{\"messages\": " + CHAT + ", \"add_generation_prompt\": false}");
        assertTrue(bare.get("count").asInt() < t.get("count").asInt(), "without the assistant prefix");
    }

    @Test
    void aPromptLongerThanTheContextIsCountedNotRefused() throws Exception {
        JsonNode t = ok("/tokenize", "{\"prompt\": \"" + "many words ".repeat(300) + "\"}");
        assertTrue(t.get("count").asInt() > t.get("max_model_len").asInt(), t.toString());
    }

    @Test
    void detokenizeReturnsWhatTokenizeWasGiven() throws Exception {
        for (String text : List.of("Hello world", "two\nlines\tand tabs", "naïve café — 東京 🚀", "{\"json\": [1, 2]}")) {
            JsonNode t = ok("/tokenize", "{\"prompt\": " + LiveServer.JSON.writeValueAsString(text) + "}");
            JsonNode d = ok("/detokenize", "{\"model\": \"tiny\", \"tokens\": " + t.get("tokens") + "}");
            assertEquals(text, d.get("prompt").asText());
        }
    }

    @Test
    void badInputIsRefusedNamingTheField() throws Exception {
        int vocab = live.model().loaded().limits().vocabSize();
        JsonNode outside = error(live.post("/detokenize", "{\"tokens\": [1, 2, 3, " + vocab + "]}", AUTH), 400);
        assertEquals("tokens", outside.get("param").asText());
        assertTrue(outside.get("message").asText().startsWith("tokens[3]"), outside.toString());
        assertEquals("tokens[1]", error(live.post("/detokenize", "{\"tokens\": [1, \"x\"]}", AUTH), 400)
                .get("param").asText());
        assertEquals("tokens", error(live.post("/detokenize", "{}", AUTH), 400).get("param").asText());

        assertEquals("prompt", refusal("{\"messages\": " + CHAT + ", \"prompt\": \"Hi\"}", 400));
        assertEquals("prompt", refusal("{}", 400));
        assertEquals("prompt", refusal("{\"prompt\": [1, 2]}", 400));
        assertEquals("add_generation_prompt", refusal("{\"prompt\": \"Hi\", \"add_generation_prompt\": true}", 400));
        assertEquals("messages[0].role", refusal("{\"messages\": [{\"role\": \"robot\", \"content\": \"Hi\"}]}", 400));
        assertEquals("max_tokens", refusal("{\"prompt\": \"Hi\", \"max_tokens\": 3}", 400));
        assertTrue(error(live.post("/tokenize", "{\"model\": \"nope\", \"prompt\": \"Hi\"}", AUTH), 404)
                .get("message").asText().contains("'nope'"));
    }

    @Test
    void bothNeedAnApiKey() throws Exception {
        error(live.post("/tokenize", "{\"prompt\": \"Hi\"}"), 401);
        error(live.post("/detokenize", "{\"tokens\": [1]}", "authorization", "Bearer sk-other"), 401);
        assertEquals(405, live.get("/tokenize", AUTH).statusCode());
    }

    private static JsonNode ok(String path, String body) throws Exception {
        HttpResponse<String> r = live.post(path, body, AUTH);
        assertEquals(200, r.statusCode(), r.body());
        return json(r);
    }

    private static String refusal(String body, int status) throws Exception {
        return error(live.post("/tokenize", body, AUTH), status).get("param").asText();
    }

    private static int[] ids(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
