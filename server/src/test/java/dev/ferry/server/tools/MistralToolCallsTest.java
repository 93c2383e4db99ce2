package dev.ferry.server.tools;

import static dev.ferry.server.tools.Streams.namesAndArguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MistralToolCallsTest {
    private static final ToolCallParser MISTRAL = ToolParserFamily.MISTRAL;

    private static final String WEATHER = "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]";
    private static final String TWO_CALLS = "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, "
            + "{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}]";
    private static final String NAMED_FORM = "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}"
            + "[TOOL_CALLS]get_time[ARGS]{}";

    @Test
    void plainTextIsContent() {
        ParsedOutput out = MISTRAL.parse("Lists look like [1, 2] and [TOOL] is not a marker.");
        assertEquals("Lists look like [1, 2] and [TOOL] is not a marker.", out.content());
        assertEquals(List.of(), out.calls());
        assertEquals(List.of(), out.warnings());
    }

    @Test
    void oneCallInTheArray() {
        ParsedOutput out = MISTRAL.parse(WEATHER);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}"), namesAndArguments(out));
    }

    @Test
    void severalCallsInTheArray() {
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}", "get_time {\"zone\":\"CET\"}"),
                namesAndArguments(MISTRAL.parse(TWO_CALLS)));
    }

    @Test
    void theV11NameAndArgsForm() {
        ParsedOutput out = MISTRAL.parse(NAMED_FORM);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}", "get_time {}"), namesAndArguments(out));
    }

    @Test
    void contentBeforeTheCalls() {
        ParsedOutput out = MISTRAL.parse("I'll look that up. " + WEATHER);
        assertEquals("I'll look that up. ", out.content());
        assertEquals(1, out.calls().size());
    }

    @Test
    void badJsonIsContentWithAWarning() {
        String text = "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}]";
        ParsedOutput out = MISTRAL.parse(text);
        assertEquals(text, out.content());
        assertEquals(List.of(), out.calls());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void aBrokenElementKeepsTheCallsBeforeIt() {
        ParsedOutput out = MISTRAL.parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, {\"arguments\": {}}]");
        assertEquals(List.of("a {}"), namesAndArguments(out));
        assertEquals(", {\"arguments\": {}}]", out.content());
        assertTrue(out.warnings().get(0).contains("no \"name\""), out.warnings().get(0));
    }

    @Test
    void aNameThatIsNotAFunctionNameIsContent() {
        String text = "[TOOL_CALLS]get weather[ARGS]{}";
        ParsedOutput out = MISTRAL.parse(text);
        assertEquals(text, out.content());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void unicodeInArguments() {
        ParsedOutput out = MISTRAL.parse("[TOOL_CALLS]translate[ARGS]{\"text\": \"Ça va? Привет 👋\"}");
        assertEquals(List.of("translate {\"text\":\"Ça va? Привет 👋\"}"), namesAndArguments(out));
    }

    @Test
    void theNamedFormStreamsTheNameBeforeTheArguments() {
        StreamingToolCalls stream = MISTRAL.streaming();
        List<Delta> named = stream.add("[TOOL_CALLS]get_weather[ARGS]");
        assertEquals("get_weather", named.get(0).name());
        assertEquals(List.of(Delta.arguments(0, "{\"city\":\"Paris\"")), stream.add("{\"city\": \"Paris\", "));
        assertEquals(List.of(Delta.arguments(0, ",\"unit\":\"C\"}")), stream.add("\"unit\": \"C\"}"));
        assertEquals(List.of(), stream.finish());
    }

    static Stream<String> examples() {
        return Stream.of(
                "Lists look like [1, 2] and [TOOL] is not a marker.",
                WEATHER,
                TWO_CALLS,
                NAMED_FORM,
                "I'll look that up. " + WEATHER + "\nDone.",
                "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}, {\"arguments\": {}}]",
                "[TOOL_CALLS]get weather[ARGS]{}",
                "[TOOL_CALLS]translate[ARGS]{\"text\": \"Ça va? Привет 👋\"}",
                "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"n\": [1, 2]}}",
                "[TOOL_CALLS][]");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void streamingAgreesWithParseHoweverTheTextIsCut(String text) {
        Streams.assertAgreesWithParse(MISTRAL, text);
    }

    @Test
    void aCallBrokenAfterItsNameAgreesOnContentHoweverTheTextIsCut() {
        Streams.assertContentAgreesWithParse(MISTRAL,
                "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}]");
    }

    @Test
    void anArrayCutBeforeItsBracketKeepsItsCompleteCalls() {
        ParsedOutput out = MISTRAL.parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}},");
        assertEquals(List.of("a {}"), namesAndArguments(out));
        assertEquals("", out.content());
        assertEquals(List.of(), out.warnings());
    }
}
