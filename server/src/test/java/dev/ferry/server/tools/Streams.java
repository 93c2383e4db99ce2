package dev.ferry.server.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Streams a text through a parser cut into pieces, and checks the property every family must keep: however the
 * text is cut, the stream adds up to what the parser finds for the whole text.
 */
final class Streams {
    private static final int RANDOM_CUTTINGS = 200;
    /** Up to this length every pair of cut points is tried too, not only every single one. */
    private static final int ALL_PAIRS_UP_TO = 100;

    private Streams() {
    }

    /** Feeds {@code text} cut at {@code cuts} (ascending) to a fresh stream and folds what it sends. */
    static ParsedOutput streamed(ToolCallParser parser, String text, int... cuts) {
        StreamingToolCalls stream = parser.streaming();
        List<Delta> deltas = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            deltas.addAll(stream.add(text.substring(from, cut)));
            from = cut;
        }
        deltas.addAll(stream.add(text.substring(from)));
        deltas.addAll(stream.finish());
        assertOpenAiShaped(deltas);
        return ParsedOutput.of(deltas, stream.warnings());
    }

    /** Every cutting agrees with {@link ToolCallParser#parse}: same content, calls and warnings. */
    static void assertAgreesWithParse(ToolCallParser parser, String text) {
        ParsedOutput whole = parser.parse(text);
        for (int[] cuts : cuttings(text)) {
            ParsedOutput streamed = streamed(parser, text, cuts);
            String where = "cut at " + Arrays.toString(cuts);
            assertEquals(whole.content(), streamed.content(), where);
            assertEquals(namesAndArguments(whole), namesAndArguments(streamed), where);
            assertEquals(whole.warnings(), streamed.warnings(), where);
        }
    }

    /** A call broken after its name went out stays a call in the stream; the content still agrees. */
    static void assertContentAgreesWithParse(ToolCallParser parser, String text) {
        ParsedOutput whole = parser.parse(text);
        for (int[] cuts : cuttings(text)) {
            ParsedOutput streamed = streamed(parser, text, cuts);
            assertEquals(whole.content(), streamed.content(), "cut at " + Arrays.toString(cuts));
            assertEquals(whole.warnings().size(), streamed.warnings().size());
        }
    }

    static List<String> namesAndArguments(ParsedOutput output) {
        return output.calls().stream().map(c -> c.name() + " " + c.argumentsJson()).toList();
    }

    /** No cut, every single cut, every pair of cuts, one character at a time, and random cuttings. */
    private static List<int[]> cuttings(String text) {
        int n = text.length();
        List<int[]> cuttings = new ArrayList<>();
        cuttings.add(new int[0]);
        for (int i = 1; i < n; i++) {
            cuttings.add(new int[] {i});
            if (n <= ALL_PAIRS_UP_TO) {
                for (int j = i + 1; j < n; j++) {
                    cuttings.add(new int[] {i, j});
                }
            }
        }
        cuttings.add(IntStream.range(1, n).toArray());
        Random random = new Random(n);
        for (int r = 0; r < RANDOM_CUTTINGS; r++) {
            cuttings.add(IntStream.range(1, n).filter(i -> random.nextInt(4) == 0).toArray());
        }
        return cuttings;
    }

    /** Each call starts with its id and name, once, in index order; later fragments carry neither. */
    private static void assertOpenAiShaped(List<Delta> deltas) {
        Set<Integer> started = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (Delta delta : deltas) {
            if (delta.isContent()) {
                assertNull(delta.index());
                assertTrue(!delta.content().isEmpty(), "empty content delta");
                continue;
            }
            assertNotNull(delta.argumentsFragment());
            if (delta.id() != null) {
                assertEquals(started.size(), delta.index(), "calls start in index order");
                assertTrue(delta.id().matches("call_[A-Za-z0-9]{24}"), delta.id());
                assertTrue(ids.add(delta.id()), "ids are unique");
                assertNotNull(delta.name());
                started.add(delta.index());
            } else {
                assertNull(delta.name());
                assertTrue(started.contains(delta.index()), "a fragment before its call started");
            }
        }
    }
}
