package dev.ferry.engine.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.MemoryBudget;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The property that structured output promises, on a random-weight model sampled at temperature 1:
 * every output that ends on its own parses and validates against its schema with an independent
 * validator, for the 40+ test schemas, with two tokenizers (the model's byte-level BPE, whose tokens
 * may split UTF-8 characters, and a SentencePiece-style BPE with byte fallback and multi-character
 * merges), alone and in batches of 32 that mix constrained and free sequences through a KV pool
 * small enough to force preemptions. Outputs are decoded by the real tokenizers library, not by
 * the bytes the constraint matched.
 */
class StructuredGenerationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKENS = 1000;
    private static final int BATCH = 32;
    /** Room for about 12 sequences of 330 tokens: 32 growing ones must preempt each other. */
    private static final int SMALL_POOL_TOKENS = 4_000;

    @TempDir
    static Path dir;
    private static ModelFolder folder;
    private static ModelTokenizer sentencePiece;
    private static List<Path> schemaFiles;

    @BeforeAll
    static void createModel() throws IOException, URISyntaxException {
        Path model = dir.resolve("tiny");
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.TINY.spec(ModelArch.LLAMA).withSeed(5).withMaxPosition(2048), model);
        folder = ModelFolder.open(model);
        sentencePiece = ModelTokenizer.open(resource("tokenizers").resolve("metaspace-tokenizer.json"));
        schemaFiles = SchemaValidation.schemaFiles();
        assertTrue(schemaFiles.size() >= 40, "the property needs at least 40 schemas, found " + schemaFiles.size());
    }

    @AfterAll
    static void close() {
        folder.close();
        sentencePiece.close();
    }

    private static Path resource(String name) {
        try {
            return Path.of(StructuredGenerationTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One schema bound to one tokenizer's vocabulary. */
    private record Case(Path schemaFile, JsonNode schema, OutputConstraint constraint, ModelTokenizer tokenizer) {}

    private static List<Case> cases(ModelTokenizer tokenizer) throws IOException {
        int[] ends = folder.eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
        // the SentencePiece vocabulary is smaller than the model's: the ids past it (the model's end ids among them) spell nothing
        TokenVocabulary vocab = new TokenVocabulary(Arrays.copyOf(tokenizer.tokenBytes(), folder.config().vocabSize()), ends);
        List<Case> out = new ArrayList<>();
        for (Path f : schemaFiles) {
            String text = Files.readString(f);
            OutputFormat format = new OutputFormat.JsonSchema(f.getFileName().toString(), text, false);
            out.add(new Case(f, JSON.readTree(text), FormatCompiler.compile(format, vocab, GrammarLimits.DEFAULTS),
                    tokenizer));
        }
        return out;
    }

    private static int[] prompt(SplittableRandom r) {
        int[] p = new int[8 + r.nextInt(24)];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(500);
        }
        return p;
    }

    @Test
    void batchedWithFreeSequencesThroughPreemptionsEveryCompletedOutputValidates() throws Exception {
        int completed = 0;
        int constrained = 0;
        long preemptions;
        try (ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults()
                .withKvCacheMemory(MemoryBudget.ofBytes(SMALL_POOL_TOKENS * folder.config().kvBytesPerToken(4))));
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS.withMaxNumSeqs(BATCH))) {
            for (ModelTokenizer tokenizer : List.of(folder.tokenizer(), sentencePiece)) {
                List<Case> cases = cases(tokenizer);
                for (long seed : new long[] {1, 2}) {  // several seeds: each runs every schema once
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int from = 0; from < cases.size(); from += BATCH / 2) {
                        List<Case> batch = cases.subList(from, Math.min(cases.size(), from + BATCH / 2));
                        List<TokenStream> streams = new ArrayList<>();
                        List<TokenStream> free = new ArrayList<>();
                        for (int i = 0; i < batch.size(); i++) {
                            SamplingParams sampling = SamplingParams.of(1.0, 0, 1, seed * 1000 + from + i);
                            streams.add(engine.submit(GenerateRequest.of(prompt(r), MAX_TOKENS, sampling)
                                    .withConstraint(batch.get(i).constraint())));
                            free.add(engine.submit(GenerateRequest.of(prompt(r), 300, sampling).withIgnoreEos(true)));
                        }
                        for (int i = 0; i < batch.size(); i++) {
                            completed += check(batch.get(i), streams.get(i).await()) ? 1 : 0;
                            constrained++;
                            assertEquals(300, free.get(i).await().tokenIds().length, "free sequences run their length");
                        }
                    }
                }
            }
            preemptions = engine.metrics().snapshot().preemptions();
        }
        assertTrue(preemptions > 0, "the small pool must force preemptions");
        assertTrue(completed * 2 >= constrained, "most outputs must end on their own: " + completed + " of " + constrained);
    }

    @Test
    void aloneEveryCompletedOutputValidates() throws Exception {
        int completed = 0;
        int constrained = 0;
        try (ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            for (ModelTokenizer tokenizer : List.of(folder.tokenizer(), sentencePiece)) {
                for (Case c : cases(tokenizer)) {
                    // the same prompts for both tokenizers: the second run's full prompt blocks come from the prefix cache
                    SplittableRandom r = new SplittableRandom(c.schemaFile().getFileName().toString().hashCode());
                    for (int seed = 0; seed < 2; seed++) {
                        TokenStream.Result res = engine.submit(GenerateRequest.of(prompt(r), MAX_TOKENS,
                                SamplingParams.of(1.0, 0, 1, r.nextLong())).withConstraint(c.constraint())).await();
                        completed += check(c, res) ? 1 : 0;
                        constrained++;
                    }
                }
            }
        }
        assertTrue(completed * 2 >= constrained, "most outputs must end on their own: " + completed + " of " + constrained);
    }

    /**
     * An output that ended on its own must parse and validate; one cut by max_tokens is only
     * counted out. Returns whether it ended on its own.
     */
    private static boolean check(Case c, TokenStream.Result res) throws IOException {
        FinishReason reason = res.finish().reason();
        assertTrue(reason == FinishReason.STOP || reason == FinishReason.LENGTH, c.schemaFile() + ": " + res.finish());
        if (reason != FinishReason.STOP) {
            return false;
        }
        int[] ids = res.tokenIds();
        String text = c.tokenizer().decode(ids, 0, ids.length, true);
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(c.schemaFile() + ": output does not parse: " + text, e);
        }
        List<String> errors = SchemaValidation.errors(c.schema(), value);
        assertTrue(errors.isEmpty(), c.schemaFile() + ": " + errors + " in " + text);
        return true;
    }
}
