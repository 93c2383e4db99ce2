package dev.ferry.server.http;

import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The request-field policy of docs/openai-fields.md: fields clients send that change nothing are
 * accepted, unknown ones are ignored and named in a header (refused under --strict-fields), known
 * features this server lacks are refused naming the field, and an error about the token limit
 * names the field the client used.
 */
class FieldPolicyTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer();
    @RegisterExtension
    static final LiveServer strict = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS.withStrictFields(true),
            EngineConfig.DEFAULTS);

    private static final String CHAT = "/v1/chat/completions";
    private static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 2";

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        assertEquals(400, r.statusCode(), r.body());
        return json(r).get("error");
    }

    @Test
    void fieldsThatChangeNothingAreAccepted() throws Exception {
        HttpResponse<String> r = live.post(CHAT, "{" + MESSAGES + ", \"store\": false, \"metadata\": {\"app\": \"x\"},"
                + " \"parallel_tool_calls\": true, \"service_tier\": \"auto\", \"reasoning_effort\": \"low\","
                + " \"tool_choice\": \"none\", \"modalities\": [\"text\"], \"response_format\": {\"type\": \"text\"},"
                + " \"n\": 1, \"user\": \"u1\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Optional.empty(), r.headers().firstValue(ResponseNotes.IGNORED_FIELDS));
        HttpResponse<String> c = live.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 2, \"store\": false,"
                + " \"metadata\": {}, \"service_tier\": \"default\"}");
        assertEquals(200, c.statusCode(), c.body());
    }

    @Test
    void nIsAppliedEvenWhenStrict() throws Exception {
        HttpResponse<String> r = strict.post(CHAT, "{" + MESSAGES + ", \"n\": 2}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, json(r).get("choices").size());
    }

    @Test
    void unknownFieldsAreIgnoredAndNamedInAHeaderUnlessStrict() throws Exception {
        HttpResponse<String> r = live.post(CHAT, "{" + MESSAGES + ", \"max_tokenz\": 5, \"x_custom\": {\"a\": 1}}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("max_tokenz, x_custom", r.headers().firstValue(ResponseNotes.IGNORED_FIELDS).orElse(""));
        HttpResponse<String> stream = live.post(CHAT, "{" + MESSAGES + ", \"stream\": true, \"x_custom\": 1}");
        assertEquals("x_custom", stream.headers().firstValue(ResponseNotes.IGNORED_FIELDS).orElse(""));

        JsonNode e = error(strict.post(CHAT, "{" + MESSAGES + ", \"max_tokenz\": 5}"));
        assertEquals("max_tokenz", e.get("param").asText());
        assertEquals(200, strict.post(CHAT, "{" + MESSAGES + ", \"store\": false}").statusCode(),
                "known harmless fields pass even when strict");
    }

    @Test
    void knownFeaturesThisServerLacksAreRefusedNamingTheField() throws Exception {
        assertEquals("functions", error(live.post(CHAT, "{" + MESSAGES + ", \"functions\": [{\"name\": \"f\"}]}"))
                .get("param").asText());
        assertEquals("tool_choice", error(live.post(CHAT, "{" + MESSAGES + ", \"tool_choice\": \"auto\"}"))
                .get("param").asText(), "a tool choice needs tools");
        assertEquals("audio", error(live.post(CHAT, "{" + MESSAGES + ", \"audio\": {\"voice\": \"x\"}}"))
                .get("param").asText());
    }

    @Test
    void tokenLimitErrorsNameTheFieldTheClientSent() throws Exception {
        JsonNode e = error(live.post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_completion_tokens\": 100000}"));
        assertEquals("max_completion_tokens", e.get("param").asText());
        assertTrue(e.get("message").asText().startsWith("max_completion_tokens"), e.toString());
        JsonNode old = error(live.post(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 100000}"));
        assertEquals("max_tokens", old.get("param").asText());
    }
}
