package dev.ferry.server.tools;

import static dev.ferry.server.tools.Streams.namesAndArguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class Llama3JsonToolCallsTest {
    private static final ToolCallParser LLAMA3 = ToolParserFamily.LLAMA3_JSON;

    private static final String WEATHER = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}";
    private static final String TWO_CALLS = "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; "
            + "{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}";

    @Test
    void plainTextIsContent() {
        ParsedOutput out = LLAMA3.parse("Paris is sunny today {mostly}.");
        assertEquals("Paris is sunny today {mostly}.", out.content());
        assertEquals(List.of(), out.calls());
        assertEquals(List.of(), out.warnings());
    }

    @Test
    void aMessageThatIsACallObjectIsACall() {
        ParsedOutput out = LLAMA3.parse("\n\n" + WEATHER);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}"), namesAndArguments(out));
    }

    @Test
    void callsSeparatedBySemicolonsAfterThePythonTag() {
        ParsedOutput out = LLAMA3.parse(TWO_CALLS);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}", "get_time {\"zone\":\"CET\"}"),
                namesAndArguments(out));
    }

    @Test
    void contentBeforeThePythonTagAndAfterTheCalls() {
        ParsedOutput out = LLAMA3.parse("Checking.<|python_tag|>" + WEATHER + ";\n\nHere it is.");
        assertEquals("Checking.;\n\nHere it is.", out.content());
        assertEquals(List.of(), out.warnings());
        assertEquals(1, out.calls().size());
    }

    @Test
    void aBraceLaterInTheMessageDoesNotOpenACall() {
        String text = "Here: " + WEATHER;
        assertEquals(text, LLAMA3.parse(text).content());
    }

    @Test
    void jsonWithoutANameIsContentWithAWarning() {
        ParsedOutput out = LLAMA3.parse("{\"answer\": 42}");
        assertEquals("{\"answer\": 42}", out.content());
        assertEquals(List.of(), out.calls());
        assertTrue(out.warnings().get(0).contains("no \"name\""), out.warnings().get(0));
    }

    @Test
    void pythonCallsAfterTheTagAreContentWithAWarning() {
        String text = "<|python_tag|>brave_search.call(query=\"weather\")";
        ParsedOutput out = LLAMA3.parse(text);
        assertEquals(text, out.content());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void aCallCutOffIsContentWithAWarning() {
        String text = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Par";
        ParsedOutput out = LLAMA3.parse(text);
        assertEquals(text, out.content());
        assertTrue(out.warnings().get(0).contains("cut off"), out.warnings().get(0));
    }

    @Test
    void aBrokenSecondCallKeepsTheFirst() {
        ParsedOutput out = LLAMA3.parse(WEATHER + "; {\"name\": 7}");
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}"), namesAndArguments(out));
        assertEquals("; {\"name\": 7}", out.content());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void unicodeInParameters() {
        ParsedOutput out = LLAMA3.parse("{\"name\": \"say\", \"parameters\": {\"text\": \"naïve 日本 🐍\\u2603\"}}");
        assertEquals(List.of("say {\"text\":\"naïve 日本 🐍☃\"}"), namesAndArguments(out));
    }

    static Stream<String> examples() {
        return Stream.of(
                "Plain text {with braces}.",
                WEATHER,
                "  " + WEATHER + "  ",
                TWO_CALLS,
                "Checking.<|python_tag|>" + WEATHER + ";\n\nHere it is.",
                "{\"answer\": 42}",
                WEATHER + "; {\"name\": 7}",
                "<|python_tag|>brave_search.call(query=\"x\")",
                "{\"name\": \"say\", \"parameters\": {\"text\": \"naïve 日本 🐍\"}};",
                "<|python<|python_tag|>{\"parameters\": {}, \"name\": \"f\"}");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void streamingAgreesWithParseHoweverTheTextIsCut(String text) {
        Streams.assertAgreesWithParse(LLAMA3, text);
    }
}
