package dev.ferry.server.cli;

import static dev.ferry.server.cli.FerryCommandTest.ferry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.store.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry embed} in-process: texts and a JSON Lines file to JSON Lines of the engine's vectors; bad input named. */
class EmbedCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path store;
    static Path bert;

    @BeforeAll
    static void createModel() {
        bert = store.resolve("bert");
        FerryCommandTest.Run r = ferry("model", "create", "--arch", "bert", "--preset", "tiny", "--out", bert.toString());
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void textsAndAFileOfInputsPrintTheEnginesVectors() throws Exception {
        float[][] expected;
        int[] helloIds;
        try (ModelFolder f = ModelFolder.open(bert); LoadedEncoder e = LoadedEncoder.load(f, LoadOptions.defaults())) {
            helloIds = e.encode("hello");
            expected = e.embed(List.of(e.encode("the quick brown fox"), helloIds));
        }
        FerryCommandTest.Run texts = ferry("embed", "--model", bert.toString(), "--input", "the quick brown fox",
                "--input", "hello");
        assertEquals(0, texts.exit(), texts.err());
        List<JsonNode> lines = lines(texts.out());
        assertEquals(2, lines.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, lines.get(i).get("index").asInt());
            assertVector(expected[i], lines.get(i).get("embedding"));
        }

        Path file = store.resolve("inputs.jsonl");
        Files.writeString(file, "\"the quick brown fox\"\n\n{\"input\": " + java.util.Arrays.toString(helloIds) + "}\n");
        FerryCommandTest.Run fromFile = ferry("embed", "--model", "bert", "--model-store", store.toString(),
                "--inputs-file", file.toString());
        assertEquals(0, fromFile.exit(), fromFile.err());
        List<JsonNode> fileLines = lines(fromFile.out());
        assertVector(expected[0], fileLines.get(0).get("embedding"));
        assertVector(expected[1], fileLines.get(1).get("embedding"));
    }

    @Test
    void badInputIsNamed() throws Exception {
        FerryCommandTest.Run empty = ferry("embed", "--model", bert.toString(), "--input", "hi", "--input", "");
        assertEquals(2, empty.exit());
        assertTrue(empty.err().contains("input[1]: is an empty string"), empty.err());
        Path file = store.resolve("bad.jsonl");
        Files.writeString(file, "\"fine\"\n{\"text\": \"no input field\"}\n");
        FerryCommandTest.Run bad = ferry("embed", "--model", bert.toString(), "--inputs-file", file.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("bad.jsonl line 2: expected a string, a list of token ids"), bad.err());
        FerryCommandTest.Run missing = ferry("embed", "--model", "nope", "--model-store", store.toString(), "--input", "x");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("'nope' is neither a model folder nor a model of the store"), missing.err());
    }

    @Test
    void inspectDescribesAnEmbeddingModel() throws Exception {
        FerryCommandTest.Run r = ferry("model", "inspect", "--json", bert.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertEquals("embedding", o.get("kind").asText());
        assertEquals(64, o.get("dimensions").asInt());
        assertEquals("mean", o.get("pooling").asText());
        assertTrue(o.get("normalize").asBoolean());
    }

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static void assertVector(float[] expected, JsonNode actual) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i).floatValue(), 1e-5);
        }
    }
}
