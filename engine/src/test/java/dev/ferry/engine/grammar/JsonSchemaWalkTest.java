package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The property that matters: text generated under a schema's grammar is JSON that a real
 * validator accepts against that schema. Each schema under resources/schemas is compiled
 * (strictly: all of it must be enforced), and the byte-level matcher is walked with random
 * allowed tokens as a sampler would, leaning towards closing and ending as the text grows.
 */
class JsonSchemaWalkTest {
    private static final int SEEDS = 10;
    private static final int MAX_TOKENS = 4_000;
    /** Tokens that close something: a string, an object, an array. */
    private static final Set<String> CLOSERS = Set.of("\"", "}", "]", "\"}");

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static Walker walker;
    private static List<Integer> closers;

    @BeforeAll
    static void vocabulary() {
        walker = Walker.standard();
        closers = new ArrayList<>();
        for (int id = 0; id < walker.tokens.length; id++) {
            if (walker.tokens[id] != null && CLOSERS.contains(new String(walker.tokens[id], StandardCharsets.UTF_8))) {
                closers.add(id);
            }
        }
    }

    @Test
    void everyWalkOfEverySchemaValidates() throws Exception {
        List<Path> files = SchemaValidation.schemaFiles();
        assertTrue(files.size() >= 40, "schemas: " + files.size());
        List<String> failures = new ArrayList<>();
        int walks = 0;
        for (Path file : files) {
            String text = Files.readString(file);
            JsonSchemaGrammar.Compiled compiled = JsonSchemaGrammar.compile(JSON.readTree(text), true, GrammarLimits.DEFAULTS);
            assertEquals(List.of(), compiled.ignored(), file.getFileName().toString());
            TokenGrammar grammar = new TokenGrammar(Grammar.compile(compiled.spec(), GrammarLimits.DEFAULTS), walker.vocab, compiled.ignored(), Walker.FORMAT);
            Schema validator = SchemaValidation.validator(text);
            for (int seed = 0; seed < SEEDS; seed++) {
                String output = walk(grammar, new Random(seed * 7919L + file.getFileName().hashCode()));
                walks++;
                String problem = check(output, validator);
                if (problem != null) {
                    failures.add(file.getFileName() + " seed " + seed + ": " + problem);
                }
            }
        }
        assertEquals(List.of(), failures, walks + " walks");
    }

    private static String check(String output, Schema validator) {
        if (output == null) {
            return "no end within " + MAX_TOKENS + " tokens";
        }
        try {
            JsonNode parsed = JSON.readTree(output);
            if (parsed == null) {
                return "empty output";
            }
        } catch (IOException e) {
            return "not JSON: " + output + " (" + e.getMessage() + ")";
        }
        List<Error> errors = validator.validate(output, InputFormat.JSON);
        return errors.isEmpty() ? null : "invalid: " + output + " " + errors;
    }

    /**
     * One walk to the end: random allowed tokens, a closing token or the end more likely the
     * longer the text. Null when the walk did not end within {@link #MAX_TOKENS}.
     */
    static String walk(TokenGrammar grammar, Random random) {
        GrammarMatcher matcher = grammar.start();
        StringBuilder hex = new StringBuilder();
        List<byte[]> pieces = new ArrayList<>();
        for (int step = 0; step < MAX_TOKENS; step++) {
            List<Integer> allowed = Walker.ids(matcher.allowedTokens());
            double finish = Math.min(0.95, step / 40.0);
            if (allowed.contains(walker.endId) && (allowed.size() == 1 || random.nextDouble() < finish)) {
                assertTrue(matcher.accept(walker.endId));
                return Walker.decode(concat(pieces));
            }
            List<Integer> closing = allowed.stream().filter(closers::contains).toList();
            List<Integer> from = !closing.isEmpty() && random.nextDouble() < finish ? closing
                    : allowed.stream().filter(id -> id != walker.endId).toList();
            int token = from.get(random.nextInt(from.size()));
            assertTrue(matcher.accept(token), "allowed token " + token + " refused");
            pieces.add(walker.tokens[token]);
        }
        return null;
    }

    private static byte[] concat(List<byte[]> pieces) {
        int length = pieces.stream().mapToInt(p -> p.length).sum();
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, all, at, piece.length);
            at += piece.length;
        }
        return Arrays.copyOf(all, at);
    }
}
