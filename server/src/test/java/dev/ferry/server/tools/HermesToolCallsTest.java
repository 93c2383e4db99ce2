package dev.ferry.server.tools;

import static dev.ferry.server.tools.Streams.namesAndArguments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HermesToolCallsTest {
    private static final ToolCallParser HERMES = ToolParserFamily.HERMES;

    private static final String WEATHER = """
            <tool_call>
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
            </tool_call>""";
    private static final String TWO_CALLS = """
            <tool_call>
            {"name": "get_weather", "arguments": {"city": "Paris"}}
            </tool_call>
            <tool_call>
            {"name": "get_time", "arguments": {"zone": "Europe/Paris"}}
            </tool_call>
            """;
    private static final String BAD_JSON = """
            <tool_call>
            {"name": "get_weather", "arguments": {"city": }}
            </tool_call>""";

    @Test
    void plainTextIsContent() {
        ParsedOutput out = HERMES.parse("The <tools> menu has it; a < b.");
        assertEquals("The <tools> menu has it; a < b.", out.content());
        assertEquals(List.of(), out.calls());
        assertEquals(List.of(), out.warnings());
    }

    @Test
    void oneCallHasCompactArgumentsAndNoContent() {
        ParsedOutput out = HERMES.parse(WEATHER);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\",\"unit\":\"celsius\"}"), namesAndArguments(out));
        assertTrue(out.calls().get(0).id().matches("call_[A-Za-z0-9]{24}"));
    }

    @Test
    void severalCallsKeepTheirOrderAndDropTheNewlinesBetween() {
        ParsedOutput out = HERMES.parse(TWO_CALLS);
        assertEquals("", out.content());
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}", "get_time {\"zone\":\"Europe/Paris\"}"),
                namesAndArguments(out));
        assertTrue(!out.calls().get(0).id().equals(out.calls().get(1).id()));
    }

    @Test
    void contentBeforeAndAfterACallStaysAsWritten() {
        ParsedOutput out = HERMES.parse("Let me check.\n" + WEATHER + "\nDone.");
        assertEquals("Let me check.\n\nDone.", out.content());
        assertEquals(1, out.calls().size());
    }

    @Test
    void badJsonStaysContentWithAWarning() {
        ParsedOutput out = HERMES.parse("Checking.\n" + BAD_JSON);
        assertEquals("Checking.\n" + BAD_JSON, out.content());
        assertEquals(List.of(), out.calls());
        assertEquals(1, out.warnings().size());
        assertTrue(out.warnings().get(0).contains("not valid JSON"), out.warnings().get(0));
    }

    @Test
    void aTrailingCommaIsNotValidJson() {
        String text = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1,}}</tool_call>";
        ParsedOutput out = HERMES.parse(text);
        assertEquals(text, out.content());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void streamingNeverSplitsASurrogatePairInContent() {
        StreamingToolCalls stream = HERMES.streaming();
        String globe = "🌍";
        assertEquals(List.of(Delta.content("a")), stream.add("a" + globe.charAt(0)));
        assertEquals(List.of(Delta.content(globe)), stream.add(globe.substring(1)));
    }

    @Test
    void aCallWithoutANameStaysContent() {
        String text = "<tool_call>{\"arguments\": {\"city\": \"Paris\"}}</tool_call>";
        ParsedOutput out = HERMES.parse(text);
        assertEquals(text, out.content());
        assertTrue(out.warnings().get(0).contains("no \"name\""), out.warnings().get(0));
    }

    @Test
    void aBrokenCallDoesNotHideTheNextOne() {
        ParsedOutput out = HERMES.parse(BAD_JSON + "\n" + WEATHER);
        assertEquals(BAD_JSON + "\n", out.content());
        assertEquals(1, out.calls().size());
        assertEquals(1, out.warnings().size());
    }

    @Test
    void unicodeInArgumentsSurvivesAndEscapesAreDecoded() {
        ParsedOutput out = HERMES.parse("<tool_call>{\"name\": \"translate\", \"arguments\": "
                + "{\"text\": \"Grüße, 世界 🌍\", \"to\": \"caf\\u00e9\", \"quote\": \"\\\"hi\\\"\\n\"}}</tool_call>");
        assertEquals(List.of("translate {\"text\":\"Grüße, 世界 🌍\",\"to\":\"café\",\"quote\":\"\\\"hi\\\"\\n\"}"),
                namesAndArguments(out));
    }

    @Test
    void numbersKeepTheModelsDigits() {
        ParsedOutput out = HERMES.parse("<tool_call>{\"name\": \"f\", \"arguments\": "
                + "{\"xs\": [1, 2.5e3, -0.0, 12345678901234567890], \"ok\": true, \"none\": null}}</tool_call>");
        assertEquals(List.of("f {\"xs\":[1,2.5e3,-0.0,12345678901234567890],\"ok\":true,\"none\":null}"),
                namesAndArguments(out));
    }

    @Test
    void argumentsMayComeBeforeTheNameAndMayBeMissing() {
        ParsedOutput out = HERMES.parse("<tool_call>{\"arguments\": {\"a\": 1}, \"name\": \"f\"}</tool_call>"
                + "<tool_call>{\"name\": \"g\"}</tool_call>");
        assertEquals(List.of("f {\"a\":1}", "g {}"), namesAndArguments(out));
    }

    @Test
    void aCompleteCallCutBeforeItsClosingTagStillCounts() {
        ParsedOutput out = HERMES.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool");
        assertEquals(List.of("f {}"), namesAndArguments(out));
        assertEquals("", out.content());
        assertEquals(List.of(), out.warnings());
    }

    @Test
    void aCallCutOffMidwayIsContent() {
        String text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": ";
        ParsedOutput out = HERMES.parse(text);
        assertEquals(text, out.content());
        assertTrue(out.warnings().get(0).contains("cut off"), out.warnings().get(0));
    }

    @Test
    void streamingHoldsBackAPossibleMarkerAndAnnouncesTheCallAtItsName() {
        StreamingToolCalls stream = HERMES.streaming();
        assertEquals(List.of(Delta.content("Hi ")), stream.add("Hi <tool"));
        assertEquals(List.of(), stream.add("_call>\n{\"name\": \"get_wea"));
        List<Delta> named = stream.add("ther\", ");
        assertEquals(1, named.size());
        assertEquals("get_weather", named.get(0).name());
        assertEquals(0, named.get(0).index());
        assertEquals("", named.get(0).argumentsFragment());
        assertEquals(List.of(Delta.arguments(0, "{\"city\"")), stream.add("\"arguments\": {\"city\": \"Par"));
        assertEquals(List.of(Delta.arguments(0, ":\"Paris\"}")), stream.add("is\"}}\n</tool_call>"));
        assertEquals(List.of(), stream.finish());
    }

    @Test
    void aHeldBackNonMarkerIsSentOnceItDiffers() {
        StreamingToolCalls stream = HERMES.streaming();
        assertEquals(List.of(Delta.content("a ")), stream.add("a <tool"));
        assertEquals(List.of(Delta.content("<tools>")), stream.add("s>"));
        assertEquals(List.of(), stream.add("<to"));
        assertEquals(List.of(Delta.content("<to")), stream.finish());
    }

    @Test
    void aCallBrokenAfterItsNameStaysStreamedButItsTextIsContentToo() {
        ParsedOutput streamed = Streams.streamed(HERMES, BAD_JSON);
        assertEquals(BAD_JSON, streamed.content());
        assertEquals("get_weather", streamed.calls().get(0).name());
        assertTrue(streamed.warnings().get(0).contains("already streamed as call 0"), streamed.warnings().get(0));
        Streams.assertContentAgreesWithParse(HERMES, "Checking.\n" + BAD_JSON + "\n" + WEATHER);
    }

    static Stream<String> examples() {
        return Stream.of(
                "Just text, no calls.",
                "  \n",
                WEATHER,
                TWO_CALLS,
                "Let me check.\n" + WEATHER + "\nDone.",
                "<tool_call>{\"arguments\": {\"x\": [1, {\"y\": \"<tool_call>\"}]}, \"name\": \"f\"}</tool_call>",
                "<tool_call>{\"name\": \"translate\", \"arguments\": {\"text\": \"Grüße, 世界 🌍\"}}</tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call> <tool_call>\n{\"name\": \"g\"}\n</tool_call>",
                "<tool_call>not json</tool_call>",
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_x>",
                "<<tool_call>{\"name\": \"f\"}</tool_call>",
                "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": \"b\"}}");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void streamingAgreesWithParseHoweverTheTextIsCut(String text) {
        Streams.assertAgreesWithParse(HERMES, text);
    }
}
