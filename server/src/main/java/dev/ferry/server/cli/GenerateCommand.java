package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.Engine;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.GrammarLimits;
import dev.ferry.engine.api.KvDemand;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.GenerationConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry generate}: one prompt, streamed to stdout as it is generated, or a JSON Lines file of
 * requests run through one continuous-batching engine with up to N in flight.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt (streamed to stdout) or from a JSON Lines file of requests; "
                + "logs go to stderr.")
final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "model folder (config.json, safetensors, tokenizer.json); with --server, "
            + "a model name or alias (default: the server's only model)")
    String model;

    @Option(names = "--server", description = "HOST:PORT of a running Ferry server: stream from it over gRPC instead of "
            + "loading the model here")
    String server;

    @Option(names = "--api-key", description = "with --server: the key to send as 'authorization: Bearer KEY'")
    String apiKey;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", description = "prompt text, encoded with the model's tokenizer")
        String text;

        @Option(names = "--prompt-ids", split = ",", description = "prompt token ids, comma-separated")
        int[] ids;

        @Option(names = "--requests-file", description = "JSON Lines, one request per line: prompt or prompt_ids, "
                + "max_tokens, temperature, top_p, top_k, min_p, seed, stop, stop_token_ids, ignore_eos, "
                + "repetition_penalty, presence_penalty, frequency_penalty, logprobs, priority")
        Path requestsFile;
    }

    @Option(names = "--concurrency", defaultValue = "64", description = "requests in flight at once with "
            + "--requests-file (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "64", description = "tokens to generate at most (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", description = "0 is greedy (default: the model's generation_config, else 1)")
    Double temperature;

    @Option(names = "--top-k", description = "keep the k most likely tokens; 0 keeps all")
    Integer topK;

    @Option(names = "--top-p", description = "nucleus sampling mass in (0, 1]")
    Double topP;

    @Option(names = "--seed", description = "makes sampling reproducible")
    Long seed;

    @Option(names = "--ignore-eos", description = "keep generating past the model's eos tokens")
    boolean ignoreEos;

    @Option(names = "--json-schema", paramLabel = "FILE", description = "constrain the output to this JSON Schema"
            + " (strict: a keyword Ferry cannot enforce is refused); docs/json-schema.md")
    Path jsonSchema;

    @Option(names = "--json", description = "print only JSON: one object (for --prompt/--prompt-ids), or one line "
            + "per request in input order (for --requests-file)")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (server != null) {
            if (input.requestsFile != null) {
                throw new IllegalArgumentException("--requests-file runs the engine in-process; drop --server");
            }
            return new RemoteGenerate(server, apiKey).run(remoteRequest(), json, out);
        }
        if (model == null) {
            throw new IllegalArgumentException("--model is required (a model folder) unless --server is given");
        }
        // the requests are read first: they size the KV pool, and a bad line fails before the load
        try (ModelFolder folder = ModelFolder.open(Path.of(model))) {
            if (input.requestsFile != null) {
                runFile(folder, out);
            } else {
                runOne(folder, out);
            }
        }
        return 0;
    }

    /** What runs once the model is loaded and its engine started. */
    @FunctionalInterface
    private interface Job {
        void run(Engine eng, LoadedModel loaded) throws Exception;
    }

    /** Loads the model with a KV pool for {@code demand} (unless --kv-cache-memory says otherwise), then runs {@code job}. */
    private void withEngine(ModelFolder folder, KvDemand demand, Job job) throws Exception {
        try (LoadedModel loaded = LoadedModel.load(folder, engine.toLoadOptions().withKvDemand(demand));
             Engine eng = Engine.start(loaded, engine.toEngineConfig(folder.serving(), false))) {
            job.run(eng, loaded);
        }
    }

    private OutputFormat.JsonSchema schemaFormat() throws IOException {
        return new OutputFormat.JsonSchema("--json-schema " + jsonSchema, Files.readString(jsonSchema), true);
    }

    private void runOne(ModelFolder folder, PrintWriter out) throws Exception {
        int[] promptIds = input.ids != null ? input.ids : folder.tokenizer().encode(input.text, true);
        GenerateRequest unformatted = GenerateRequest.of(promptIds, maxTokens, defaultSampling(folder.generation()))
                .withIgnoreEos(ignoreEos);
        KvDemand demand = KvDemand.of(List.of(unformatted), 1);
        withEngine(folder, demand, (eng, loaded) -> runOne(eng, unformatted.withConstraint(jsonSchema == null
                ? null : loaded.constraint(schemaFormat(), GrammarLimits.DEFAULTS)), out));
    }

    private void runOne(Engine eng, GenerateRequest request, PrintWriter out) throws InterruptedException {
        int[] promptIds = request.promptIds();
        TokenStream stream = new TokenStream().onEachToken(t -> {
            if (!json && !t.text().isEmpty()) {
                out.print(t.text());
                out.flush();
            }
        });
        eng.submit(request, stream);
        TokenStream.Result r = stream.await();
        if (json) {
            out.println(toJson(promptIds, r));
        } else {
            out.println(r.finish().text());
        }
        out.flush();
        failOnError(r, "request");
    }

    private void runFile(ModelFolder folder, PrintWriter out) throws Exception {
        if (jsonSchema != null) {
            throw new IllegalArgumentException("--json-schema applies to --prompt/--prompt-ids; in --requests-file give"
                    + " each line a response_format");
        }
        List<RequestsFile.Line> lines = new RequestsFile(folder.tokenizer(), defaultSampling(folder.generation()),
                maxTokens).read(input.requestsFile);
        KvDemand demand = KvDemand.of(lines.stream().map(RequestsFile.Line::unformatted).toList(),
                Math.max(1, concurrency));
        withEngine(folder, demand, (eng, loaded) -> runFile(eng, lines.stream()
                .map(l -> l.request(f -> loaded.constraint(f, GrammarLimits.DEFAULTS))).toList(), out));
    }

    private void runFile(Engine eng, List<GenerateRequest> requests, PrintWriter out) throws InterruptedException {
        Semaphore inFlight = new Semaphore(Math.max(1, concurrency));
        List<TokenStream> streams = new ArrayList<>(requests.size());
        long start = System.nanoTime();
        for (GenerateRequest r : requests) {
            inFlight.acquire();
            TokenStream s = new TokenStream();
            streams.add(s);
            eng.submit(r, new ReleasingSink(s, inFlight));
        }
        long generated = 0;
        for (int i = 0; i < streams.size(); i++) {
            TokenStream.Result r = streams.get(i).await();
            generated += r.finish().usage().completionTokens();
            out.println(json ? toJson(requests.get(i).promptIds(), r) : "[" + i + "] " + r.text().replace("\n", "\\n"));
        }
        out.flush();
        // the requests alone, start-up excluded: what batching and --concurrency change
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine().getErr().printf("ferry: %d requests (%d tokens generated) in %.2f s: %.1f tokens/s%n",
                requests.size(), generated, seconds, generated / seconds);
    }

    /** The same request for a server: unset sampling options take the served model's defaults there. */
    private dev.ferry.api.v1.GenerateRequest remoteRequest() throws IOException {
        var r = dev.ferry.api.v1.GenerateRequest.newBuilder().setMaxTokens(maxTokens).setIgnoreEos(ignoreEos);
        if (jsonSchema != null) {
            r.setFormat(dev.ferry.api.v1.OutputFormat.newBuilder().setJsonSchema(dev.ferry.api.v1.JsonSchemaFormat
                    .newBuilder().setSchema(schemaFormat().schema()).setStrict(true)));
        }
        if (model != null) {
            r.setModel(model);
        }
        if (input.ids != null) {
            var ids = dev.ferry.api.v1.TokenIds.newBuilder();
            for (int id : input.ids) {
                ids.addIds(id);
            }
            r.setTokenIds(ids);
        } else {
            r.setText(input.text);
        }
        var s = dev.ferry.api.v1.SamplingParams.newBuilder();
        if (temperature != null) {
            s.setTemperature(temperature.floatValue());
        }
        if (topK != null) {
            s.setTopK(topK);
        }
        if (topP != null) {
            s.setTopP(topP.floatValue());
        }
        if (seed != null) {
            s.setSeed(seed);
        }
        return r.setSampling(s).build();
    }

    /** Sampling from the command line, falling back to the model's generation_config.json. */
    private SamplingParams defaultSampling(GenerationConfig g) {
        double t = temperature != null ? temperature : g.temperature() != null ? g.temperature() : 1.0;
        int k = topK != null ? topK : g.topK() != null ? g.topK() : 0;
        double p = topP != null ? topP : g.topP() != null ? g.topP() : 1.0;
        try {
            return SamplingParams.of(t, k, p, seed != null ? seed : ThreadLocalRandom.current().nextLong());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("top_k", "--top-k").replace("top_p", "--top-p")
                    .replace("temperature", "--temperature"), e);
        }
    }

    private static void failOnError(TokenStream.Result r, String what) {
        if (r.finish().error() != null) {
            throw new IllegalStateException(what + " failed: " + r.finish().error());
        }
    }

    static String toJson(int[] promptIds, TokenStream.Result r) {
        ObjectNode o = JSON.createObjectNode();
        var p = o.putArray("prompt_ids");
        for (int id : promptIds) {
            p.add(id);
        }
        var t = o.putArray("token_ids");
        for (int id : r.tokenIds()) {
            t.add(id);
        }
        o.put("text", r.text());
        o.put("finish_reason", r.finish().reason().wireName());
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", r.finish().usage().promptTokens());
        usage.put("cached_prompt_tokens", r.finish().usage().cachedPromptTokens());
        usage.put("completion_tokens", r.finish().usage().completionTokens());
        if (r.finish().error() != null) {
            o.put("error", r.finish().error());
        }
        return o.toString();
    }
}
