package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.ModelKind;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.create.ChatStyle;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.SentenceModules;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry model}: create dummy-weight model folders and inspect model folders. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Create or inspect model folders.",
        subcommands = {ModelCommand.Create.class, ModelCommand.Inspect.class})
final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Write a Hugging Face-format model folder with deterministic random weights.")
    static final class Create implements Callable<Integer> {
        @Option(names = "--arch", required = true, description = "llama, mistral, qwen2, qwen3, phi3, gemma3, gpt2 (decoders), bert or xlm-roberta (sentence-embedding encoders)")
        String arch;

        @Option(names = "--preset", required = true, description = "tiny (tests), small (CPU benchmarks, ~125M), "
                + "1b (Llama-3.2-1B shape, GPU benchmarks)")
        String preset;

        @Option(names = "--seed", defaultValue = "0", description = "weights depend only on seed, name and shape")
        long seed;

        @Option(names = "--dtype", description = "f32, f16 or bf16 (default: f32; bf16 for 1b)")
        String dtype;

        @Option(names = "--out", required = true, description = "folder to write")
        Path out;

        @Option(names = "--chat-template", defaultValue = "family", description = "family (the arch's own format) or "
                + "reasoning (Qwen3-like ChatML that thinks in <think>...</think>, with enable_thinking and tools)")
        String chatTemplate;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ModelSpec s = ModelPreset.fromName(preset).spec(ModelArch.fromName(arch)).withSeed(seed);
            if (dtype != null) {
                s = s.withDtype(TensorDtype.fromUserName(dtype));
            }
            ModelCreator.Summary summary = new ModelCreator(System.err).create(s, ChatStyle.fromName(chatTemplate), out);
            spec.commandLine().getOut().println(summary);
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Validate a model folder and print its architecture and size, and a generator's KV cost or an "
                    + "embedding model's pooling and dimensions.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(index = "0", description = "model folder")
        Path dir;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (ModelFolder folder = ModelFolder.open(dir)) {
                TreeMap<String, Long> dtypes = new TreeMap<>();
                for (TensorInfo t : folder.weights().tensors().values()) {
                    dtypes.merge(t.dtype().tag(), t.numel(), Long::sum);
                }
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("name", folder.name());
                o.put("architecture", folder.architecture().hfClass());
                o.put("kind", folder.kind() == ModelKind.ENCODER ? "embedding" : "generation");
                o.put("parameters", folder.weights().totalParameters());
                o.put("stored_dtype", String.join("+", dtypes.keySet()));
                o.put("weights_bytes", folder.weights().totalBytes());
                o.put("tokenizer_size", folder.tokenizer().size());
                if (folder.kind() == ModelKind.ENCODER) {
                    describeEncoder(o, folder);
                } else {
                    describeDecoder(o, folder);
                }
                PrintWriter w = spec.commandLine().getOut();
                if (json) {
                    w.println(o.toPrettyString());
                } else {
                    o.fields().forEachRemaining(e -> w.printf("%-24s %s%n", e.getKey(), e.getValue().isTextual()
                            ? e.getValue().asText() : e.getValue().toString()));
                }
                return 0;
            }
        }

        private static void describeDecoder(ObjectNode o, ModelFolder folder) {
            DecoderConfig c = folder.config();
            o.put("hidden_size", c.hiddenSize());
            o.put("layers", c.numLayers());
            o.put("heads", c.numHeads());
            o.put("kv_heads", c.numKvHeads());
            o.put("head_dim", c.headDim());
            o.put("intermediate_size", c.intermediateSize());
            o.put("vocab_size", c.vocabSize());
            o.put("max_positions", c.maxPositions());
            o.put("tied_embeddings", c.tieWordEmbeddings());
            o.put("features", c.features().isEmpty() ? "none" : String.join(", ", c.features()));
            o.put("kv_bytes_per_token_f32", c.kvBytesPerToken(4));
            o.put("kv_bytes_per_token_f16", c.kvBytesPerToken(2));
            var eos = o.putArray("eos_token_ids");
            folder.eosTokenIds().forEach(eos::add);
        }

        private static void describeEncoder(ObjectNode o, ModelFolder folder) {
            EncoderConfig c = folder.encoderConfig();
            SentenceModules modules = folder.sentenceModules();
            o.put("hidden_size", c.hiddenSize());
            o.put("layers", c.numLayers());
            o.put("heads", c.numHeads());
            o.put("intermediate_size", c.intermediateSize());
            o.put("vocab_size", c.vocabSize());
            o.put("max_input_tokens", modules.maxSeqLength() == null ? c.maxTokens()
                    : Math.min(c.maxTokens(), modules.maxSeqLength()));
            o.put("dimensions", c.hiddenSize());
            o.put("pooling", modules.pooling().name().toLowerCase());
            o.put("normalize", modules.normalize());
            var sizes = o.putArray("matryoshka_dimensions");
            folder.serving().matryoshkaDimensions().forEach(sizes::add);
        }
    }
}
