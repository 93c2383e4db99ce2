package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.runtime.Generator;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.engine.sample.SamplingParams;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.GenerationConfig;
import dev.ferry.store.tokenizer.IncrementalDetokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ferry generate}: runs a prompt through a model folder and streams the text to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt; streams to stdout (logs go to stderr).")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder (config.json, safetensors, tokenizer.json)")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    static final class PromptSource {
        @Option(names = "--prompt", description = "prompt text, encoded with the model's tokenizer")
        String text;

        @Option(names = "--prompt-ids", split = ",", description = "prompt token ids, comma-separated")
        int[] ids;
    }

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

    @Option(names = "--json", description = "print only one JSON object at the end")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ModelFolder folder = ModelFolder.open(model);
             ModelRunner runner = ModelRunner.load(folder, engine.toRunnerOptions())) {
            int[] promptIds = prompt.ids != null ? prompt.ids : folder.tokenizer().encode(prompt.text, true);
            IncrementalDetokenizer detok = new IncrementalDetokenizer(folder.tokenizer());
            Generator.Result result = new Generator(runner).generate(promptIds, maxTokens, sampling(folder.generation()),
                    !ignoreEos, token -> {
                        String delta = detok.add(token);
                        if (!json && !delta.isEmpty()) {
                            out.print(delta);
                            out.flush();
                        }
                    });
            if (json) {
                out.println(toJson(result, folder.tokenizer().decode(result.tokenIds())));
            } else {
                out.println(detok.flush());
            }
            out.flush();
        }
        return 0;
    }

    private SamplingParams sampling(GenerationConfig g) {
        double t = temperature != null ? temperature : g.temperature() != null ? g.temperature() : 1.0;
        int k = topK != null ? topK : g.topK() != null ? g.topK() : 0;
        double p = topP != null ? topP : g.topP() != null ? g.topP() : 1.0;
        try {
            return new SamplingParams(t, k, p, seed != null ? seed : ThreadLocalRandom.current().nextLong());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("top_k", "--top-k").replace("top_p", "--top-p")
                    .replace("temperature", "--temperature"), e);
        }
    }

    static String toJson(Generator.Result r, String text) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        var p = o.putArray("prompt_ids");
        for (int id : r.promptIds()) {
            p.add(id);
        }
        var t = o.putArray("token_ids");
        for (int id : r.tokenIds()) {
            t.add(id);
        }
        o.put("text", text);
        o.put("finish_reason", r.finishReason().wireName());
        return o.toString();
    }
}
