package dev.ferry.server.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.tools.Delta;
import dev.ferry.server.tools.ToolCall;
import dev.ferry.server.tools.ToolParserFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thinking split from the answer, whole and streamed: however the text is cut into pieces (markers
 * cut in the middle included), the stream adds up to what the whole answer parses to, and no piece
 * of a marker leaks into either part.
 */
class AnswerParserTest {
    private static final AnswerParser R1 = AnswerParser.of(ReasoningParser.THINK, true, null);
    private static final AnswerParser QWEN3 = AnswerParser.of(ReasoningParser.THINK, false, null);

    @Test
    void r1StyleStartsInsideThinkingAndOnlyTheCloseAppears() {
        Answer a = R1.parse("Let me see.\nSo 4.</think>\n\nIt is 4.");
        assertEquals("Let me see.\nSo 4.", a.reasoning());
        assertEquals("It is 4.", a.content(), "the newlines after the close are dropped");
    }

    @Test
    void qwen3StyleThinkingOpensWithTheAnswersFirstText() {
        Answer a = QWEN3.parse("\n<think>\nhmm</think>\n\nHello");
        assertEquals("\nhmm", a.reasoning());
        assertEquals("Hello", a.content());
        Answer later = QWEN3.parse("Hello <think>not thinking</think>");
        assertNull(later.reasoning(), "a marker inside the answer is text");
        assertEquals("Hello <think>not thinking</think>", later.content());
    }

    @Test
    void noThinkingMeansNoReasoningAndAnUnclosedThinkingIsAllReasoning() {
        assertNull(QWEN3.parse("Just an answer").reasoning());
        assertEquals("Just an answer", QWEN3.parse("Just an answer").content());
        Answer cut = R1.parse("thinking until the tokens ran out");
        assertEquals("thinking until the tokens ran out", cut.reasoning());
        assertEquals("", cut.content());
        assertNull(AnswerParser.of(ReasoningParser.NONE, true, null), "nothing to parse");
    }

    @Test
    void toolCallsAreReadFromTheAnswerOnly() {
        AnswerParser parser = AnswerParser.of(ReasoningParser.THINK, true, ToolParserFamily.HERMES);
        String text = "I could call <tool_call>{\"name\": \"no\", \"arguments\": {}}</tool_call> here</think>\n"
                + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        Answer a = parser.parse(text);
        assertTrue(a.reasoning().contains("\"no\""), "a call inside the thinking is thought, not made");
        assertEquals(1, a.calls().size());
        assertEquals("get_weather", a.calls().get(0).name());
        assertEquals("{\"city\":\"Paris\"}", a.calls().get(0).argumentsJson());
        assertEquals("", a.content().strip());

        Streamed s = stream(parser, text, cuts(text.length(), new Random(3), 12));
        assertEquals(a.reasoning(), s.reasoning.toString());
        assertEquals(List.of("get_weather"), s.calls.stream().map(ToolCall::name).toList());
        assertTrue(s.calledTools);
    }

    @Test
    void markersCutAcrossPiecesNeverLeak() {
        String[] texts = {"abc</think>\n\nanswer here", "a</thi</think>b", "x</think", "</think>", "t<</think><"};
        for (String text : texts) {
            Answer whole = R1.parse(text);
            for (int cut = 0; cut <= text.length(); cut++) {
                for (int cut2 = cut; cut2 <= text.length(); cut2++) {
                    Streamed s = stream(R1, text, cut, cut2);
                    assertEquals(whole.reasoning() == null ? "" : whole.reasoning(), s.reasoning.toString(), text);
                    assertEquals(whole.content(), s.content.toString(), text);
                }
            }
        }
        Random random = new Random(7);
        String qwen = "  <think>step one</think>\n\nThe answer.";
        Answer whole = QWEN3.parse(qwen);
        for (int i = 0; i < 200; i++) {
            Streamed s = stream(QWEN3, qwen, cuts(qwen.length(), random, 1 + random.nextInt(8)));
            assertEquals(whole.reasoning(), s.reasoning.toString());
            assertEquals(whole.content(), s.content.toString());
            assertFalse(s.content.toString().contains("<"), s.content.toString());
        }
    }

    @Test
    void aPieceThatMayStillBeTheCloseIsHeldBack() {
        StreamedAnswer s = R1.stream();
        assertEquals(new StreamedAnswer.Piece("think", "", List.of()), s.next("think</thi", false));
        assertEquals(new StreamedAnswer.Piece("", "", List.of()), s.next("nk>", false));
        assertEquals(new StreamedAnswer.Piece("", "Hi", List.of()), s.next("\nHi", false));
        assertEquals(new StreamedAnswer.Piece("", "", List.of()), s.next("", true));
    }

    private static int[] cuts(int length, Random random, int n) {
        int[] cuts = new int[n];
        for (int i = 0; i < n; i++) {
            cuts[i] = random.nextInt(length + 1);
        }
        java.util.Arrays.sort(cuts);
        return cuts;
    }

    private record Streamed(StringBuilder reasoning, StringBuilder content, List<ToolCall> calls, boolean calledTools) {}

    private static Streamed stream(AnswerParser parser, String text, int... cuts) {
        StreamedAnswer answer = parser.stream();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<Delta> deltas = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : text.length();
            StreamedAnswer.Piece p = answer.next(text.substring(from, to), i == cuts.length);
            reasoning.append(p.reasoning());
            content.append(p.content());
            deltas.addAll(p.calls());
            from = to;
        }
        List<ToolCall> calls = dev.ferry.server.tools.ParsedOutput.of(deltas, List.of()).calls();
        return new Streamed(reasoning, content, calls, answer.calledTools());
    }
}
