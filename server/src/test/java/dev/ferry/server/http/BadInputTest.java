package dev.ferry.server.http;

import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad request gets its status and an OpenAI error whose message and param name the field at fault. */
class BadInputTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer();

    static Stream<Arguments> badRequests() {
        String completions = "/v1/completions";
        String chat = "/v1/chat/completions";
        return Stream.of(
                Arguments.of(completions, "{\"prompt\": \"\"}", "prompt"),
                Arguments.of(completions, "{\"prompt\": [1, \"x\"]}", "prompt[1]"),
                Arguments.of(completions, "{\"prompt\": [1, 9999]}", "prompt"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"max_tokens\": 0}", "max_tokens"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"max_tokens\": 300}", "max_tokens"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"max_tokens\": \"ten\"}", "max_tokens"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"temperature\": -1}", "temperature"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"top_p\": 0}", "top_p"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"top_p\": 1.5}", "top_p"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"n\": 0}", "n"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"n\": 17}", "n"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"best_of\": 3}", "best_of"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"echo\": true}", "echo"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"priority\": \"urgent\"}", "priority"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"stop\": [\"\"]}", "stop"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"logprobs\": 21}", "logprobs"),
                Arguments.of(completions, "{\"prompt\": \"Hi\", \"stream_options\": {\"include_usage\": true}}",
                        "stream_options"),
                Arguments.of(chat, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"Hi\"}]}", "messages[0].role"),
                Arguments.of(chat, "{\"messages\": []}", "messages"),
                Arguments.of(chat, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                        "messages[0].content[0].type"),
                Arguments.of(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"top_logprobs\": 2}",
                        "top_logprobs"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badRequests")
    void badFieldIs400NamingIt(String path, String body, String field) throws Exception {
        JsonNode error = error(live.post(path, body), 400);
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(field, error.get("param").asText());
        assertTrue(error.get("message").asText().startsWith(field), error.toString());
    }

    @Test
    void unknownModelIs404() throws Exception {
        JsonNode error = error(live.post("/v1/completions", "{\"model\": \"giant\", \"prompt\": \"Hi\"}"), 404);
        assertEquals("not_found_error", error.get("type").asText());
        assertTrue(error.get("message").asText().contains("giant"), error.toString());
    }

    @Test
    void malformedJsonIs400() throws Exception {
        JsonNode error = error(live.post("/v1/completions", "{\"prompt\": \"Hi\""), 400);
        assertTrue(error.get("message").asText().contains("not valid JSON"), error.toString());
        error(live.post("/v1/completions", "[1, 2]"), 400);
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        error(live.get("/v1/engines"), 404);
        HttpResponse<String> r = live.get("/v1/completions");
        error(r, 405);
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
        error(live.send(live.request("/health").POST(HttpRequest.BodyPublishers.noBody()).build()), 405);
    }

    @Test
    void refusalsEchoTheRequestId() throws Exception {
        HttpResponse<String> r = live.post("/v1/completions", "{\"prompt\": \"\"}", "x-request-id", "abc-1");
        assertEquals("abc-1", r.headers().firstValue("x-request-id").orElseThrow());
    }

    /** The response's status, and its body in OpenAI's error shape. */
    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = json(r).get("error");
        for (String field : new String[] {"message", "type", "param", "code"}) {
            assertTrue(error.has(field), "error without " + field + ": " + r.body());
        }
        return error;
    }
}
