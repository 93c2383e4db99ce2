package dev.ferry.server.http;

import static dev.ferry.server.http.LiveServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.metrics.LogCapture;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Structured output over HTTP: each way of asking gets output that matches, and malformed or
 * hostile formats get a precise 400 within a second while the server goes on serving.
 */
class StructuredOutputTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer(ApiKeys.none(), ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 4096);

    private static String chat(String formatFields) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"Give me data\"}], \"max_tokens\": 3000,"
                + " \"temperature\": 1.0, \"seed\": 7, " + formatFields + "}";
    }

    private static JsonNode choice(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return json(r).get("choices").get(0);
    }

    @Test
    void jsonSchemaOutputParsesAndHasItsFields() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":120},\"tags\":{\"type\":\"array\","
                + "\"items\":{\"enum\":[\"a\",\"b\"]},\"maxItems\":3}},\"required\":[\"name\",\"age\",\"tags\"],"
                + "\"additionalProperties\":false}";
        JsonNode c = choice(live.post("/v1/chat/completions", chat("\"response_format\": {\"type\": \"json_schema\","
                + " \"json_schema\": {\"name\": \"person\", \"strict\": true, \"schema\": " + schema + "}}")));
        assertEquals("stop", c.get("finish_reason").asText());
        JsonNode out = LiveServer.JSON.readTree(c.get("message").get("content").asText());
        assertTrue(out.get("name").isTextual() && out.get("name").asText().length() <= 12, out.toString());
        assertTrue(out.get("age").isInt() && out.get("age").asInt() >= 0 && out.get("age").asInt() <= 120, out.toString());
        assertTrue(out.get("tags").isArray() && out.get("tags").size() <= 3, out.toString());
        assertEquals(3, out.size(), out.toString());
    }

    @Test
    void jsonObjectModeGivesAnObject() throws Exception {
        JsonNode c = choice(live.post("/v1/chat/completions", chat("\"response_format\": {\"type\": \"json_object\"}")));
        assertEquals("stop", c.get("finish_reason").asText(), c.toString());
        assertTrue(LiveServer.JSON.readTree(c.get("message").get("content").asText()).isObject());
    }

    @Test
    void choiceAndRegexOnCompletions() throws Exception {
        List<String> options = List.of("red", "green", "blue");
        JsonNode c = choice(live.post("/v1/completions", "{\"prompt\": \"Color:\", \"max_tokens\": 50, \"seed\": 3,"
                + " \"temperature\": 1.0, \"guided_choice\": [\"red\", \"green\", \"blue\"]}"));
        assertTrue(options.contains(c.get("text").asText()), c.toString());
        String regex = "[0-9]{3}-[a-z]{2,4}";
        JsonNode r = choice(live.post("/v1/completions", "{\"prompt\": \"Code:\", \"max_tokens\": 50, \"seed\": 3,"
                + " \"temperature\": 1.0, \"structured_outputs\": {\"regex\": \"" + regex + "\"}}"));
        assertTrue(Pattern.matches(regex, r.get("text").asText()), r.toString());
    }

    /**
     * Not strict: a keyword Ferry cannot enforce is ignored, named in the x-ferry-unenforced-format
     * header and logged once with its pointer, and the rest holds.
     */
    @Test
    void nonStrictSchemaIgnoresWhatItCannotEnforceWithAWarning() throws Exception {
        String schema = "{\"type\":\"array\",\"items\":{\"enum\":[1,2,3]},\"maxItems\":4,\"uniqueItems\":true}";
        try (LogCapture log = LogCapture.of("dev.ferry.server.serving.CompiledFormats")) {
            HttpResponse<String> r = live.post("/v1/chat/completions", chat("\"response_format\": {\"type\": \"json_schema\","
                    + " \"json_schema\": {\"name\": \"ids\", \"strict\": false, \"schema\": " + schema + "}}"));
            assertTrue(r.headers().firstValue(ResponseNotes.UNENFORCED_FORMAT).orElse("").contains("uniqueItems"),
                    r.headers().toString());
            JsonNode c = choice(r);
            JsonNode out = LiveServer.JSON.readTree(c.get("message").get("content").asText());
            assertTrue(out.isArray() && out.size() <= 4, out.toString());
            out.forEach(v -> assertTrue(List.of(1, 2, 3).contains(v.asInt()), out.toString()));
            assertTrue(log.messages(Level.WARN).stream().anyMatch(m -> m.contains("uniqueItems")), log.messages(Level.WARN).toString());
        }
    }

    @Test
    void maxTokensMidObjectEndsWithLengthAndThePartialText() throws Exception {
        // the shortest valid answer is longer than 3 tokens
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":40}},"
                + "\"required\":[\"name\"]}";
        JsonNode c = choice(live.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"max_tokens\": 3, \"response_format\": {\"type\": \"json_schema\", \"json_schema\":"
                + " {\"name\": \"n\", \"schema\": " + schema + "}}}"));
        assertEquals("length", c.get("finish_reason").asText());
        assertTrue(c.get("message").get("content").asText().startsWith("{"), c.toString());
    }

    @Test
    void stopStringsAndLogprobsWorkUnderAFormat() throws Exception {
        JsonNode stopped = choice(live.post("/v1/completions", "{\"prompt\": \"Go\", \"max_tokens\": 60, \"seed\": 5,"
                + " \"temperature\": 1.0, \"guided_regex\": \"[ab]{40}\", \"stop\": [\"b\"]}"));
        assertEquals("stop", stopped.get("finish_reason").asText(), stopped.toString());
        assertTrue(stopped.get("text").asText().matches("a*"), "the text ends before the first b: " + stopped);

        JsonNode c = choice(live.post("/v1/completions", "{\"prompt\": \"Pick\", \"max_tokens\": 20, \"logprobs\": 5,"
                + " \"guided_choice\": [\"yes\", \"no\"]}"));
        String text = c.get("text").asText();
        assertTrue(List.of("yes", "no").contains(text), c.toString());
        // the alternatives of the first token are the allowed ones only: beginnings of "yes" or "no"
        JsonNode top = c.get("logprobs").get("top_logprobs").get(0);
        assertTrue(top.size() >= 1, c.toString());
        double mass = 0;
        for (var it = top.fields(); it.hasNext(); ) {
            var e = it.next();
            assertTrue("yes".startsWith(e.getKey()) || "no".startsWith(e.getKey()), "alternative " + e.getKey());
            mass += Math.exp(e.getValue().asDouble());
        }
        assertTrue(mass <= 1 + 1e-4, "logprobs are of the constrained distribution: " + mass);
    }

    @Test
    void textFormatIsFreeText() throws Exception {
        JsonNode c = choice(live.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 4, \"ignore_eos\": true,"
                + " \"response_format\": {\"type\": \"text\"}}"));
        assertEquals("length", c.get("finish_reason").asText());
    }

    /** A schema nested {@code depth} arrays deep. */
    private static String nested(int depth) {
        return "{\"type\":\"array\",\"items\":".repeat(depth) + "{\"type\":\"integer\"}" + "}".repeat(depth);
    }

    private static String hugeEnum() {
        ArrayNode values = LiveServer.JSON.createArrayNode();
        for (int i = 0; i < 5000; i++) {
            values.add("v" + i);
        }
        ObjectNode schema = LiveServer.JSON.createObjectNode();
        schema.set("enum", values);
        return schema.toString();
    }

    static Stream<Arguments> hostileFormats() {
        String schemaField = "response_format.json_schema.schema";
        return Stream.of(
                Arguments.of("deep nesting", schema(nested(200)), schemaField, "nested deeper than the limit"),
                Arguments.of("huge enum", schema(hugeEnum()), schemaField, "enum"),
                Arguments.of("contradictory types", schema("{\"allOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}"),
                        schemaField, "allOf"),
                Arguments.of("unknown $ref", schema("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/nope\"}}}"),
                        schemaField, "#/$defs/nope"),
                Arguments.of("exponential pattern", schema("{\"type\":\"string\",\"pattern\":\"(a|b)*a(a|b){24}\"}"),
                        schemaField, "pattern"),
                Arguments.of("minimum above maximum", schema("{\"type\":\"integer\",\"minimum\":5,\"maximum\":1}"),
                        schemaField, "minimum"),
                Arguments.of("keyword of the wrong type", schema("{\"type\":\"string\",\"minLength\":\"x\"}"),
                        schemaField, "minLength"),
                Arguments.of("unenforceable keyword when strict",
                        schema("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"uniqueItems\":true}"),
                        schemaField, "uniqueItems"),
                Arguments.of("repetition past the limit", schema("{\"type\":\"string\",\"maxLength\":1000000000}"),
                        schemaField, "maxLength"),
                Arguments.of("empty enum", schema("{\"enum\":[]}"), schemaField, "enum"),
                Arguments.of("schema text that is not JSON", "\"guided_json\": \"{not json\"", "guided_json", "JSON"),
                Arguments.of("bad regex", "\"guided_regex\": \"(ab\"", "guided_regex", "guided_regex"),
                Arguments.of("grammar without root", "\"guided_grammar\": \"a ::= \\\"x\\\"\"", "guided_grammar", "root"),
                Arguments.of("two formats", "\"guided_regex\": \"a\", \"guided_choice\": [\"a\"]", "guided_choice",
                        "one output format"));
    }

    private static String schema(String schema) {
        return "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"strict\": true,"
                + " \"schema\": " + schema + "}}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileFormats")
    void hostileFormatIsRefusedAtOnceNamingThePart(String what, String fields, String param, String named) {
        JsonNode error = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            HttpResponse<String> r = live.post("/v1/chat/completions", chat(fields));
            assertEquals(400, r.statusCode(), r.body());
            return json(r).get("error");
        });
        assertEquals(param, error.get("param").asText(), error.toString());
        assertTrue(error.get("message").asText().contains(named), what + ": " + error);
    }

    /** After every refusal above, the server still serves plain and constrained requests. */
    @AfterAll
    static void serverIsUnaffected() throws Exception {
        HttpResponse<String> r = live.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 3, \"ignore_eos\": true}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = choice(live.post("/v1/completions", "{\"prompt\": \"Pick\", \"max_tokens\": 20,"
                + " \"guided_choice\": [\"yes\", \"no\"]}"));
        assertTrue(List.of("yes", "no").contains(c.get("text").asText()), c.toString());
    }
}
