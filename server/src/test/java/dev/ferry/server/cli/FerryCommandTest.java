package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line end to end, in-process: create a model, inspect it, generate from it, reject bad input. */
class FerryCommandTest {
    @TempDir
    static Path dir;
    static Path model;

    record Run(int exit, String out, String err) {}

    static Run ferry(String... args) {
        CommandLine cli = FerryCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeAll
    static void createModel() {
        model = dir.resolve("llama");
        Run r = ferry("model", "create", "--arch", "llama", "--preset", "tiny", "--seed", "3", "--out", model.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("arch=llama"), r.out());
    }

    @Test
    void helpListsTheCommands() {
        Run r = ferry("--help");
        assertEquals(0, r.exit());
        for (String command : new String[] {"serve", "generate", "model"}) {
            assertTrue(r.out().contains(command), r.out());
        }
    }

    @Test
    void inspectReportsShapeAndKvCost() {
        Run r = ferry("model", "inspect", "--json", model.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode o = json(r.out());
        assertEquals("LlamaForCausalLM", o.get("architecture").asText());
        assertEquals(512, o.get("tokenizer_size").asInt());
        assertEquals(2L * 2 * 2 * 16 * 4, o.get("kv_bytes_per_token_f32").asLong()); // K+V, 2 layers, 2 KV heads, dim 16
        assertTrue(o.get("parameters").asLong() > 100_000);
    }

    @Test
    void createdNewerFamiliesInspectWithTheirFeatures() {
        Map<String, String> expected = Map.of(
                "qwen3", "q/k norm",
                "gemma3", "q/k norm, sliding window 128 on 2 of 2 layers, local rope base 10000.0",
                "phi3", "sliding window 512 on 2 of 2 layers, longrope (long factors past 32 tokens)");
        for (var e : expected.entrySet()) {
            Path out = dir.resolve("created-" + e.getKey());
            Run c = ferry("model", "create", "--arch", e.getKey(), "--preset", "tiny", "--out", out.toString());
            assertEquals(0, c.exit(), c.err());
            Run r = ferry("model", "inspect", "--json", out.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(e.getValue(), json(r.out()).get("features").asText(), e.getKey());
        }
    }

    @Test
    void greedyJsonIsOneObjectAndDeterministic() {
        Run a = ferry("generate", "--model", model.toString(), "--prompt", "Hello world", "--max-tokens", "12",
                "--temperature", "0", "--ignore-eos", "--json");
        Run b = ferry("generate", "--model", model.toString(), "--prompt", "Hello world", "--max-tokens", "12",
                "--temperature", "0", "--ignore-eos", "--json");
        assertEquals(0, a.exit(), a.err());
        assertEquals(1, a.out().strip().lines().count(), "stdout holds exactly one JSON object: " + a.out());
        JsonNode o = json(a.out());
        assertEquals(12, o.get("token_ids").size());
        assertEquals("length", o.get("finish_reason").asText());
        assertTrue(o.get("prompt_ids").size() > 1);
        assertEquals(509, o.get("prompt_ids").get(0).asInt(), "llama prompts start with BOS");
        assertEquals(a.out(), b.out());
    }

    @Test
    void seededSamplingRepeatsAndSeedsDiffer() {
        String[] base = {"generate", "--model", model.toString(), "--prompt-ids", "5,6,7", "--max-tokens", "16",
                "--temperature", "1.5", "--ignore-eos", "--json", "--seed"};
        Run a = ferry(concat(base, "11"));
        Run b = ferry(concat(base, "11"));
        Run c = ferry(concat(base, "12"));
        assertEquals(json(a.out()).get("token_ids"), json(b.out()).get("token_ids"));
        assertTrue(!json(a.out()).get("token_ids").equals(json(c.out()).get("token_ids")), "different seeds, same 16 tokens");
    }

    @Test
    void requestsFileRunsConcurrentlyAndPrintsResultsInInputOrder() throws Exception {
        Path file = dir.resolve("requests.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"prompt\": \"Hello\", \"max_tokens\": 5, \"temperature\": 0, \"ignore_eos\": true}",
                "{\"prompt_ids\": [5, 6, 7], \"max_tokens\": 9, \"temperature\": 0.8, \"top_p\": 0.9, \"seed\": 3, "
                        + "\"ignore_eos\": true}",
                "",
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 3, \"top_k\": 5, \"seed\": 1, \"stop\": [\"zz\"], "
                        + "\"ignore_eos\": true}"));
        Run r = ferry("generate", "--model", model.toString(), "--requests-file", file.toString(), "--concurrency", "2",
                "--json");
        assertEquals(0, r.exit(), r.err());
        var lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertEquals(5, json(lines.get(0)).get("token_ids").size());
        assertEquals(9, json(lines.get(1)).get("token_ids").size());
        assertEquals(9, json(lines.get(1)).get("usage").get("completion_tokens").asInt());
        assertEquals(3, json(lines.get(1)).get("usage").get("prompt_tokens").asInt());
        assertEquals(3, json(lines.get(2)).get("token_ids").size());
        assertTrue(r.err().contains("ferry: 3 requests (17 tokens generated) in "), r.err());
        // the same line alone gives the same tokens: batching does not change results
        Path single = dir.resolve("single.jsonl");
        Files.writeString(single, "{\"prompt_ids\": [5, 6, 7], \"max_tokens\": 9, \"temperature\": 0.8, "
                + "\"top_p\": 0.9, \"seed\": 3, \"ignore_eos\": true}");
        Run alone = ferry("generate", "--model", model.toString(), "--requests-file", single.toString(), "--json");
        assertEquals(json(lines.get(1)).get("token_ids"), json(alone.out().strip()).get("token_ids"));
    }

    @Test
    void jsonSchemaHoldsTheOutputOfOneRequestAndOfRequestsFileLines() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"},"
                + "\"size\":{\"enum\":[\"s\",\"m\",\"l\"]}},\"required\":[\"ok\",\"size\"],\"additionalProperties\":false}";
        Path schemaFile = dir.resolve("schema.json");
        Files.writeString(schemaFile, schema);
        Run one = ferry("generate", "--model", model.toString(), "--prompt", "Answer", "--max-tokens", "60",
                "--temperature", "1", "--seed", "4", "--json-schema", schemaFile.toString(), "--json");
        assertEquals(0, one.exit(), one.err());
        JsonNode value = json(json(one.out()).get("text").asText());
        assertTrue(value.get("ok").isBoolean() && List.of("s", "m", "l").contains(value.get("size").asText()), one.out());
        assertEquals("stop", json(one.out()).get("finish_reason").asText());

        Path file = dir.resolve("formats.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"prompt\": \"A\", \"max_tokens\": 60, \"seed\": 1, \"response_format\": {\"type\": \"json_schema\","
                        + " \"json_schema\": {\"name\": \"x\", \"schema\": " + schema + "}}}",
                "{\"prompt\": \"B\", \"max_tokens\": 4, \"ignore_eos\": true, \"response_format\": {\"type\": \"text\"}}"));
        Run lines = ferry("generate", "--model", model.toString(), "--requests-file", file.toString(), "--json");
        assertEquals(0, lines.exit(), lines.err());
        var out = lines.out().strip().lines().toList();
        assertTrue(json(json(out.get(0)).get("text").asText()).get("ok").isBoolean(), out.get(0));
        assertEquals(4, json(out.get(1)).get("token_ids").size());

        Files.writeString(schemaFile, "{\"type\":\"array\",\"uniqueItems\":true}");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--json-schema", schemaFile.toString()),
                "uniqueItems");
        Files.writeString(file, "{\"prompt\": \"A\", \"response_format\": {\"type\": \"yaml\"}}\n");
        assertError(ferry("generate", "--model", model.toString(), "--requests-file", file.toString()),
                "formats.jsonl line 1: response_format.type");
    }

    @Test
    void requestsFileErrorsNameLineAndField() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\": \"ok\", \"max_tokens\": 2}\n{\"prompt\": \"x\", \"max_tokens\": \"many\"}\n");
        assertError(ferry("generate", "--model", model.toString(), "--requests-file", file.toString()),
                "bad.jsonl line 2: field 'max_tokens'");
        Files.writeString(file, "{\"prompt\": \"ok\", \"temprature\": 1}\n");
        assertError(ferry("generate", "--model", model.toString(), "--requests-file", file.toString()),
                "unknown field 'temprature'");
        Files.writeString(file, "{\"prompt_ids\": [1, 2], \"top_p\": 1.5}\n");
        assertError(ferry("generate", "--model", model.toString(), "--requests-file", file.toString()), "top_p");
    }

    /** The tuner's choices land under FERRY_HOME (the build's, see the surefire configuration); --retune rewrites them. */
    @Test
    void tuningIsCachedUnderFerryHomeAndRetuneRewritesIt() throws Exception {
        Path cache = FerryHome.tuningCache();
        Run first = ferry("generate", "--model", model.toString(), "--prompt-ids", "1,2", "--max-tokens", "1",
                "--no-warmup");
        assertEquals(0, first.exit(), first.err());
        Path file;
        try (var files = Files.list(cache)) {
            file = files.filter(f -> f.getFileName().toString().startsWith("linear-forms-")).findFirst().orElseThrow();
        }
        Files.writeString(file, "{\"layers\": {}}"); // another host's or a damaged file: replaced, never trusted
        Run retuned = ferry("generate", "--model", model.toString(), "--prompt-ids", "1,2", "--max-tokens", "1", "--retune");
        assertEquals(0, retuned.exit(), retuned.err());
        assertTrue(Files.readString(file).contains("float32/float32 64x64"), Files.readString(file));
    }

    @Test
    void streamsTextWithoutJson() {
        Run r = ferry("generate", "--model", model.toString(), "--prompt", "Once upon", "--max-tokens", "5",
                "--temperature", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(!r.out().isBlank());
    }

    @Test
    void badInputNamesTheFieldOrFile() {
        assertError(ferry("generate", "--model", model.toString(), "--prompt-ids", "1,9999"), "prompt_ids[1] = 9999");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--temperature", "-1"), "--temperature");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "0"), "--top-p");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--max-tokens", "0"), "max_tokens");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--dtype", "bf17"), "--dtype");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--device", "tpu7"), "device");
        assertError(ferry("generate", "--model", model.toString(), "--prompt", "x", "--quantize", "int4"), "--quantize");
        assertError(ferry("generate", "--model", dir.resolve("missing").toString(), "--prompt", "x"), "missing");
        assertEquals(2, ferry("generate", "--model", model.toString()).exit(), "prompt or prompt ids are required");
    }

    @Test
    void int8WeightsGenerate() {
        Run r = ferry("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--max-tokens", "4",
                "--temperature", "0", "--ignore-eos", "--quantize", "int8", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(4, json(r.out()).get("token_ids").size());
    }

    @Test
    void bf16WeightsGenerate() {
        Run r = ferry("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--max-tokens", "4",
                "--temperature", "0", "--ignore-eos", "--dtype", "bf16", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(4, json(r.out()).get("token_ids").size());
    }

    private static void assertError(Run r, String fragment) {
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(fragment), "error should mention '" + fragment + "': " + r.err());
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    private static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }
}
