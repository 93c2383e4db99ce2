package dev.ferry.bench;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.grammar.FormatCompiler;
import dev.ferry.engine.grammar.TokenVocabulary;
import dev.ferry.engine.metrics.EngineMetrics;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * What structured output costs.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.StructuredOutputBenchmark [--parts throughput,masks,compile] [--rounds 3]
 *     [--tokens 96] [--out results.json]
 * </pre>
 * <ol>
 *   <li>throughput: 32 concurrent streams on the small preset, sampled at temperature 1, half of
 *   them constrained by a 10-property schema, against the same 32 streams unconstrained, in turns
 *   in one process: output tokens/s over the same steps of both runs (every stream decoding, up to
 *   where the first constrained object is complete), and the engine's own record of the
 *   structured-output work per constrained sequence and step;</li>
 *   <li>masks: that work, p50 and p99, for a 32k and a 150k vocabulary (the first 32,000 ranks of
 *   tiktoken's cl100k_base, the first 150,000 of o200k_base: real byte-level BPE vocabularies), with
 *   32 sequences walking the schema by random allowed tokens, cold caches included;</li>
 *   <li>compile: schema-to-constraint time of the 40 test schemas (engine/src/test/resources/schemas).</li>
 * </ol>
 * The small preset's own tokenizer spells only a few hundred of its 32,000 ids, so the constrained
 * streams of the throughput part are bound to the 32k cl100k vocabulary instead: their masks cost
 * what a real 32k vocabulary costs (the text they decode to is not looked at).
 */
public final class StructuredOutputBenchmark {
    private static final Path SCHEMAS = Path.of("engine", "src", "test", "resources", "schemas");
    private static final String TEN_PROPERTIES = "ten-properties.json";
    private static final int STREAMS = 32;
    private static final int PROMPT = 64;

    private final Map<String, String> args;
    private final Map<String, Object> results = new LinkedHashMap<>();

    private StructuredOutputBenchmark(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        new StructuredOutputBenchmark(Args.parse(argv)).run();
    }

    private void run() throws Exception {
        List<String> parts = List.of(args.getOrDefault("parts", "throughput,masks,compile").split(","));
        if (parts.contains("throughput")) {
            throughput();
        }
        if (parts.contains("masks")) {
            masks("32k", tiktoken("cl100k_base", 32_000));
            masks("150k", tiktoken("o200k_base", 150_000));
        }
        if (parts.contains("compile")) {
            compile();
        }
        Report.print(results, args.get("out"));
    }

    private static OutputFormat.JsonSchema schema(String file) throws IOException {
        return new OutputFormat.JsonSchema(file, Files.readString(SCHEMAS.resolve(file)), true);
    }

    // ---- throughput ------------------------------------------------------------------------------

    private void throughput() throws Exception {
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
        int tokens = Integer.parseInt(args.getOrDefault("tokens", "96"));
        Path dir = ForwardBenchmark.model("llama-small", "small");
        try (ModelFolder folder = ModelFolder.open(dir);
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults())) {
            int eos = folder.eosTokenIds().get(0);
            TokenVocabulary vocab = tiktoken("cl100k_base", runner.folder().config().vocabSize(), eos);
            OutputConstraint tenProperties = FormatCompiler.compile(schema(TEN_PROPERTIES), vocab, GrammarLimits.DEFAULTS);
            run(runner, tokens, null, 1, null); // warm-up: first touch of the batch-32 step's buffers
            double[] free = new double[rounds];
            double[] constrained = new double[rounds];
            int[] windows = new int[rounds];
            Histogram formatUs = new Histogram(3);
            int completed = 0;
            for (int r = 0; r < rounds; r++) {
                List<TokenTimeline> f = run(runner, tokens, null, 10 + r, null);
                List<TokenTimeline> c = run(runner, tokens, tenProperties, 10 + r, formatUs);
                // the same steps of both runs: from every stream's FIRST_TOKEN-th token to the point
                // where the first constrained output ends (a complete object ends its stream early)
                int last = c.stream().mapToInt(t -> t.count).min().orElseThrow();
                windows[r] = last - FIRST_TOKEN;
                free[r] = rate(f, FIRST_TOKEN, last);
                constrained[r] = rate(c, FIRST_TOKEN, last);
                completed += (int) c.stream().filter(t -> t.finish.reason() == FinishReason.STOP).count();
            }
            results.put("throughput_streams", STREAMS);
            results.put("throughput_constrained_streams", STREAMS / 2);
            results.put("throughput_new_tokens", tokens);
            results.put("throughput_window_steps", Arrays.stream(windows).boxed().toList());
            results.put("throughput_free_decode_tok_s", roundEach(free));
            results.put("throughput_half_constrained_decode_tok_s", roundEach(constrained));
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = constrained[r] / free[r];
            }
            results.put("throughput_constrained_over_free_by_round",
                    Arrays.stream(ratios).map(ForwardBenchmark::round3).boxed().toList());
            results.put("throughput_constrained_over_free", ForwardBenchmark.round3(ForwardBenchmark.median(ratios)));
            results.put("throughput_engine_format_us_p50", formatUs.getValueAtPercentile(50));
            results.put("throughput_engine_format_us_p99", formatUs.getValueAtPercentile(99));
            results.put("throughput_constrained_outputs_completed", completed + " of " + rounds * STREAMS / 2);
        }
    }

    /** Generated tokens after which a stream is decoding, not waiting on its prompt. */
    private static final int FIRST_TOKEN = 2;

    /** Tokens per second of all streams between each one's {@code from}-th and {@code to}-th token. */
    private static double rate(List<TokenTimeline> streams, int from, int to) {
        long start = streams.stream().mapToLong(t -> t.tokens[from - 1]).max().orElseThrow();
        long end = streams.stream().mapToLong(t -> t.tokens[to - 1]).max().orElseThrow();
        return streams.size() * (double) (to - from) / ((end - start) / 1e9);
    }

    /**
     * 32 streams, every other one under {@code format} when given, through a fresh engine; the
     * engine's structured-output work is added to {@code formatUs} when given.
     */
    private static List<TokenTimeline> run(ModelRunner runner, int tokens, OutputConstraint format, long seed,
                                      Histogram formatUs) throws InterruptedException {
        try (Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            CountDownLatch done = new CountDownLatch(STREAMS);
            List<TokenTimeline> streams = new ArrayList<>();
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < STREAMS; i++) {
                int[] prompt = new int[PROMPT];
                for (int j = 0; j < PROMPT; j++) {
                    prompt[j] = 3 + rnd.nextInt(600);
                }
                TokenTimeline a = new TokenTimeline(System.nanoTime(), tokens, done);
                streams.add(a);
                GenerateRequest req = GenerateRequest.of(prompt, tokens, SamplingParams.of(1.0, 0, 1, seed * 100 + i))
                        .withIgnoreEos(true);
                engine.submit(i % 2 == 1 && format != null ? req.withConstraint(format) : req, a);
            }
            done.await();
            if (formatUs != null) {
                formatUs.add(engine.metrics().snapshot().histogram(EngineMetrics.Dist.FORMAT_US));
            }
            return streams;
        }
    }

    // ---- masks -----------------------------------------------------------------------------------

    /** 32 sequences walk the 10-property schema by random allowed tokens; each step's format work is timed. */
    private void masks(String name, TokenVocabulary vocab) throws IOException {
        long t0 = System.nanoTime();
        OutputConstraint c = FormatCompiler.compile(schema(TEN_PROPERTIES), vocab, GrammarLimits.DEFAULTS);
        results.put("masks_" + name + "_compile_ms", ForwardBenchmark.round((System.nanoTime() - t0) / 1e6));
        Histogram us = new Histogram(3);
        SplittableRandom rnd = new SplittableRandom(42);
        int steps = Integer.parseInt(args.getOrDefault("mask-steps", "200"));
        int completed = 0;
        for (int s = 0; s < STREAMS; s++) {
            OutputConstraint.Cursor cursor = c.start();
            for (int step = 0; step < steps && !cursor.isComplete(); step++) {
                long start = System.nanoTime();
                long[] allowed = cursor.allowedTokens();
                long mid = System.nanoTime();
                int token = pick(allowed, rnd, vocab.size());
                long resume = System.nanoTime();
                cursor.accept(token);
                long end = System.nanoTime();
                us.recordValue(Math.max(1, ((mid - start) + (end - resume)) / 1000));
            }
            completed += cursor.isComplete() ? 1 : 0;
        }
        results.put("masks_" + name + "_vocab", vocab.size());
        results.put("masks_" + name + "_format_us_p50", us.getValueAtPercentile(50));
        results.put("masks_" + name + "_format_us_p99", us.getValueAtPercentile(99));
        results.put("masks_" + name + "_format_us_max", us.getMaxValue());
        results.put("masks_" + name + "_sequence_steps", us.getTotalCount());
        results.put("masks_" + name + "_outputs_completed", completed + " of " + STREAMS);
    }

    /** A uniformly random set bit below {@code size}. */
    private static int pick(long[] bits, SplittableRandom rnd, int size) {
        int count = 0;
        for (long w : bits) {
            count += Long.bitCount(w);
        }
        int k = rnd.nextInt(count);
        for (int word = 0; ; word++) {
            int n = Long.bitCount(bits[word]);
            if (k < n) {
                long w = bits[word];
                for (int i = 0; i < k; i++) {
                    w &= w - 1;
                }
                return word * 64 + Long.numberOfTrailingZeros(w);
            }
            k -= n;
        }
    }

    /**
     * The first {@code size} ranks of a tiktoken vocabulary (jtokkit's copy on the class path), with
     * id {@code size - 1} turned into the end token when {@code eos} is negative, else {@code eos}.
     */
    private static TokenVocabulary tiktoken(String name, int size) throws IOException {
        return tiktoken(name, size, size - 1);
    }

    private static TokenVocabulary tiktoken(String name, int size, int eos) throws IOException {
        byte[][] tokens = new byte[size][];
        try (InputStream in = StructuredOutputBenchmark.class.getResourceAsStream("/com/knuddels/jtokkit/" + name + ".tiktoken");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                int space = line.indexOf(' ');
                int rank = Integer.parseInt(line.substring(space + 1));
                if (rank < size) {
                    tokens[rank] = Base64.getDecoder().decode(line.substring(0, space));
                }
            }
        }
        tokens[eos] = null;
        return new TokenVocabulary(tokens, new int[] {eos});
    }

    // ---- compile ---------------------------------------------------------------------------------

    private void compile() throws IOException {
        TokenVocabulary vocab = tiktoken("cl100k_base", 32_000);
        List<Path> files;
        try (Stream<Path> s = Files.list(SCHEMAS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        double[] firstMs = new double[files.size()];
        double[] warmMs = new double[files.size()];
        for (int i = 0; i < files.size(); i++) {
            OutputFormat.JsonSchema f = schema(files.get(i).getFileName().toString());
            double[] times = new double[5];
            for (int k = 0; k < times.length; k++) {
                long t0 = System.nanoTime();
                FormatCompiler.compile(f, vocab, GrammarLimits.DEFAULTS);
                times[k] = (System.nanoTime() - t0) / 1e6;
            }
            firstMs[i] = times[0];
            warmMs[i] = ForwardBenchmark.median(Arrays.copyOfRange(times, 1, times.length));
        }
        results.put("compile_schemas", files.size());
        results.put("compile_ms_p50_first", ForwardBenchmark.round3(ForwardBenchmark.median(firstMs)));
        results.put("compile_ms_p50", ForwardBenchmark.round3(ForwardBenchmark.median(warmMs)));
        results.put("compile_ms_max", ForwardBenchmark.round3(Arrays.stream(warmMs).max().orElseThrow()));
    }

    private static List<Double> roundEach(double[] v) {
        return Arrays.stream(v).map(ForwardBenchmark::round).boxed().toList();
    }
}
