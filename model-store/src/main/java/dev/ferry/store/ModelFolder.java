package dev.ferry.store;

import dev.ferry.store.config.Architecture;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.GenerationConfig;
import dev.ferry.store.config.HfConfigParser;
import dev.ferry.store.config.JsonFiles;
import dev.ferry.store.config.SentenceModules;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.config.TokenizerConfig;
import dev.ferry.store.safetensors.TensorInfo;
import dev.ferry.store.safetensors.WeightIndex;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validated model folder: config, weights table, tokenizer and optional serving files. Opening
 * checks everything that can be checked without running the model, so that a broken folder fails
 * here with a message naming the file, key or tensor rather than later inside a forward pass.
 * A folder holds a decoder ({@link #config}) or an encoder ({@link #encoderConfig} and its
 * sentence-transformers {@link #sentenceModules}); {@link #kind} says which.
 */
public final class ModelFolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFolder.class);
    private static final Set<String> FLOAT_DTYPES = Set.of("F32", "F16", "BF16", "F64");

    private final Path path;
    private final Architecture architecture;
    /** Null for an encoder. */
    private final DecoderConfig config;
    /** Both null for a decoder. */
    private final EncoderConfig encoderConfig;
    private final SentenceModules sentenceModules;
    private final GenerationConfig generation;
    private final TokenizerConfig tokenizerConfig;
    private final ServingConfig serving;
    private final WeightIndex weights;
    private final ModelTokenizer tokenizer;
    private volatile String contentHash;

    private ModelFolder(Path path, Architecture architecture, DecoderConfig config, EncoderConfig encoderConfig,
                        SentenceModules sentenceModules, GenerationConfig generation, TokenizerConfig tokenizerConfig,
                        ServingConfig serving, WeightIndex weights, ModelTokenizer tokenizer) {
        this.path = path;
        this.architecture = architecture;
        this.config = config;
        this.encoderConfig = encoderConfig;
        this.sentenceModules = sentenceModules;
        this.generation = generation;
        this.tokenizerConfig = tokenizerConfig;
        this.serving = serving;
        this.weights = weights;
        this.tokenizer = tokenizer;
    }

    public static ModelFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": model folder does not exist or is not a directory");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelLoadException(dir.getFileName() + ": missing config.json");
        }
        ObjectNode json = JsonFiles.readObject(configFile);
        Architecture arch = HfConfigParser.architecture(json);
        boolean encoder = arch.kind() == ModelKind.ENCODER;
        DecoderConfig config = encoder ? null : HfConfigParser.parse(json);
        EncoderConfig encoderConfig = encoder ? HfConfigParser.parseEncoder(json) : null;
        int vocabSize = encoder ? encoderConfig.vocabSize() : config.vocabSize();
        WeightIndex weights = WeightIndex.open(dir);
        checkTensors(arch, encoder ? ExpectedTensors.of(encoderConfig) : ExpectedTensors.of(config), weights);
        SentenceModules sentence = encoder ? SentenceModules.read(dir, encoderConfig.hiddenSize()) : null;
        Path tokFile = dir.resolve(ModelTokenizer.FILE);
        if (!Files.isRegularFile(tokFile)) {
            throw new ModelLoadException(dir.getFileName() + ": missing " + ModelTokenizer.FILE);
        }
        GenerationConfig gen = optional(dir.resolve("generation_config.json"))
                ? GenerationConfig.parse(JsonFiles.readObject(dir.resolve("generation_config.json")))
                : GenerationConfig.empty();
        TokenizerConfig tokCfg = optional(dir.resolve("tokenizer_config.json"))
                ? TokenizerConfig.parse(JsonFiles.readObject(dir.resolve("tokenizer_config.json")))
                : TokenizerConfig.empty();
        ServingConfig serving = optional(dir.resolve(ServingConfig.FILE))
                ? ServingConfig.read(dir.resolve(ServingConfig.FILE)) : ServingConfig.defaults();
        ModelTokenizer tokenizer = ModelTokenizer.open(tokFile);
        try {
            if (tokenizer.size() > vocabSize) {
                throw new ModelLoadException(ModelTokenizer.FILE + ": has " + tokenizer.size()
                        + " tokens but config.json vocab_size is " + vocabSize);
            }
            ModelFolder folder = new ModelFolder(dir, arch, config, encoderConfig, sentence, gen, tokCfg, serving,
                    weights, tokenizer);
            for (int id : folder.eosTokenIds()) {
                if (id < 0 || id >= vocabSize) {
                    throw new ModelLoadException((gen.eosTokenIds().isEmpty() ? "config.json" : "generation_config.json")
                            + ": eos_token_id " + id + " is outside the vocabulary (vocab_size "
                            + vocabSize + ")");
                }
            }
            return folder;
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Whether {@code dir} holds a decoder or an encoder, read from its config.json alone, for a caller
     * that must know before paying for {@link #open} (placing a model's KV cache, say).
     */
    public static ModelKind kindOf(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelLoadException(dir.getFileName() + ": missing config.json");
        }
        return HfConfigParser.architecture(JsonFiles.readObject(configFile)).kind();
    }

    private static boolean optional(Path file) {
        return Files.isRegularFile(file);
    }

    /** Every expected tensor present, float-typed, with the shape config.json implies. */
    private static void checkTensors(Architecture arch, Map<String, ExpectedTensors.Spec> expected, WeightIndex weights) {
        for (Map.Entry<String, ExpectedTensors.Spec> e : expected.entrySet()) {
            TensorInfo t = resolve(weights, arch, e.getKey());
            if (t == null) {
                throw new ModelLoadException(weights.listingFile() + ": missing tensor " + e.getKey());
            }
            if (!FLOAT_DTYPES.contains(t.dtype().tag())) {
                throw new ModelLoadException(t.fileName() + ": tensor " + t.name() + " has dtype " + t.dtype().tag()
                        + ", expected F32, F16 or BF16");
            }
            if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new ModelLoadException(t.fileName() + ": tensor " + t.name() + " has shape " + t.shapeText()
                        + ", config.json implies " + Arrays.toString(e.getValue().shape()));
            }
        }
        List<String> unused = new ArrayList<>();
        String prefix = arch.checkpointPrefix();
        for (String name : weights.tensors().keySet()) {
            boolean prefixed = prefix != null && name.startsWith(prefix)
                    && expected.containsKey(name.substring(prefix.length()));
            if (!expected.containsKey(name) && !expected.containsKey("transformer." + name) && !prefixed) {
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            LOG.warn("{} tensors are not used by {}: {}", unused.size(), arch.hfClass(),
                    unused.size() > 5 ? unused.subList(0, 5) + " ..." : unused);
        }
    }

    /**
     * Old GPT-2 checkpoints store transformer tensors without the "transformer." prefix; encoders
     * saved with a task head store theirs under its prefix ("bert.").
     */
    private static TensorInfo resolve(WeightIndex weights, Architecture arch, String name) {
        TensorInfo t = weights.get(name);
        if (t == null && name.startsWith("transformer.")) {
            t = weights.get(name.substring("transformer.".length()));
        }
        if (t == null && arch.checkpointPrefix() != null) {
            t = weights.get(arch.checkpointPrefix() + name);
        }
        return t;
    }

    /** The fingerprint of the files that shape this model's outputs ({@link ContentHash}); computed once. */
    public String contentHash() {
        String h = contentHash;
        if (h == null) {
            h = ContentHash.of(path);
            contentHash = h;
        }
        return h;
    }

    /** The stored tensor for an expected Hugging Face name. */
    public TensorInfo tensor(String name) {
        TensorInfo t = resolve(weights, architecture, name);
        if (t == null) {
            throw new ModelLoadException(weights.listingFile() + ": missing tensor " + name);
        }
        return t;
    }

    /** Ids that end generation: generation_config.json's, else config.json's; none for an encoder. */
    public List<Integer> eosTokenIds() {
        if (config == null) {
            return List.of();
        }
        Set<Integer> ids = new LinkedHashSet<>(generation.eosTokenIds().isEmpty()
                ? config.eosTokenIds() : generation.eosTokenIds());
        return List.copyOf(ids);
    }

    public String name() {
        return path.getFileName().toString();
    }

    public Path path() {
        return path;
    }

    public ModelKind kind() {
        return architecture.kind();
    }

    /** The decoder's config. */
    public DecoderConfig config() {
        if (config == null) {
            throw new IllegalStateException(name() + " is an encoder (" + architecture.hfClass()
                    + "): it computes embeddings, not tokens");
        }
        return config;
    }

    /** The encoder's config. */
    public EncoderConfig encoderConfig() {
        if (encoderConfig == null) {
            throw new IllegalStateException(name() + " is a decoder (" + architecture.hfClass() + "), not an encoder");
        }
        return encoderConfig;
    }

    /** An encoder's pooling and normalization (sentence-transformers' modules). */
    public SentenceModules sentenceModules() {
        encoderConfig();
        return sentenceModules;
    }

    public Architecture architecture() {
        return architecture;
    }

    public GenerationConfig generation() {
        return generation;
    }

    public TokenizerConfig tokenizerConfig() {
        return tokenizerConfig;
    }

    public ServingConfig serving() {
        return serving;
    }

    public WeightIndex weights() {
        return weights;
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
