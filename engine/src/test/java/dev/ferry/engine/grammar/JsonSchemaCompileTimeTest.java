package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compiling a schema is on a request's path: the test schemas each compile (schema to spec, and
 * spec to byte-level grammar) in milliseconds. Prints the median of a warm round; fails only
 * past a generous second.
 */
class JsonSchemaCompileTimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theTestSchemasCompileQuickly() throws Exception {
        List<Path> files = SchemaValidation.schemaFiles();
        List<JsonNode> schemas = new ArrayList<>();
        for (Path file : files) {
            schemas.add(JSON.readTree(Files.readString(file)));
        }
        schemas.forEach(JsonSchemaCompileTimeTest::compile); // the first round pays for class loading and the JIT
        long[] specNanos = new long[schemas.size()];
        long[] totalNanos = new long[schemas.size()];
        for (int i = 0; i < schemas.size(); i++) {
            long start = System.nanoTime();
            JsonSchemaGrammar.Compiled compiled = JsonSchemaGrammar.compile(schemas.get(i), true, GrammarLimits.DEFAULTS);
            specNanos[i] = System.nanoTime() - start;
            Grammar.compile(compiled.spec(), GrammarLimits.DEFAULTS);
            totalNanos[i] = System.nanoTime() - start;
            assertTrue(totalNanos[i] < 1_000_000_000L, files.get(i) + " took " + totalNanos[i] / 1e6 + " ms");
        }
        System.out.printf("JSON Schema compile, %d schemas, warm: p50 %.3f ms to a spec, p50 %.3f ms to a Grammar, max %.3f ms%n",
                schemas.size(), median(specNanos) / 1e6, median(totalNanos) / 1e6, Arrays.stream(totalNanos).max().orElse(0) / 1e6);
    }

    private static void compile(JsonNode schema) {
        Grammar.compile(JsonSchemaGrammar.compile(schema, true, GrammarLimits.DEFAULTS).spec(), GrammarLimits.DEFAULTS);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
