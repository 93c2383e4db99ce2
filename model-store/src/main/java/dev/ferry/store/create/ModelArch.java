package dev.ferry.store.create;

import dev.ferry.store.ModelKind;
import dev.ferry.store.config.Architecture;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model families {@code ferry model create} can write, with the defaults Hugging Face uses for
 * real checkpoints of each family and the special tokens their tokenizers carry.
 */
public enum ModelArch {
    LLAMA(Architecture.LLAMA, "llama", 500000.0, 1e-5, false, new SpecialTokens(
            List.of("<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"),
            "<|begin_of_text|>", "<|end_of_text|>", List.of("<|end_of_text|>", "<|eot_id|>"), false, true)),
    MISTRAL(Architecture.MISTRAL, "mistral", 1000000.0, 1e-5, false, new SpecialTokens(
            List.of("<unk>", "<s>", "</s>"), "<s>", "</s>", List.of("</s>"), true, true)),
    QWEN2(Architecture.QWEN2, "qwen2", 1000000.0, 1e-6, true, new SpecialTokens(
            List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
            "<|endoftext|>", "<|endoftext|>", List.of("<|im_end|>", "<|endoftext|>"), false, false)),
    QWEN3(Architecture.QWEN3, "qwen3", 1000000.0, 1e-6, true, new SpecialTokens(
            List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
            "<|endoftext|>", "<|endoftext|>", List.of("<|im_end|>", "<|endoftext|>"), false, false)),
    PHI3(Architecture.PHI3, "phi3", 10000.0, 1e-5, false, new SpecialTokens(
            List.of("<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"),
            "<|endoftext|>", "<|endoftext|>", List.of("<|endoftext|>", "<|end|>"), false, false)),
    GEMMA3(Architecture.GEMMA3, "gemma3", 1000000.0, 1e-6, true, new SpecialTokens(
            List.of("<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>"),
            "<bos>", "<eos>", List.of("<eos>", "<end_of_turn>"), true, true)),
    GPT2(Architecture.GPT2, "gpt2", 0.0, 1e-5, true, new SpecialTokens(
            List.of("<|endoftext|>"), "<|endoftext|>", "<|endoftext|>", List.of("<|endoftext|>"), false, false)),
    // encoders: bos and configEos are the tokens every input is wrapped in ([CLS] ... [SEP], <s> ... </s>)
    BERT(Architecture.BERT, "bert", 0.0, 1e-12, false, new SpecialTokens(
            List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), "[CLS]", "[SEP]", List.of(), true, true)),
    XLM_ROBERTA(Architecture.XLM_ROBERTA, "xlm-roberta", 0.0, 1e-5, false, new SpecialTokens(
            List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>"), "<s>", "</s>", List.of(), true, true));

    /**
     * A family's special tokens. {@code configEos} goes to config.json, {@code generationEos} to
     * generation_config.json (a one-element list is written as a bare id, as HF does).
     * {@code placedFirst}: the tokens take ids 0.. ahead of the byte tokens (Mistral's {@code <unk> <s> </s>});
     * otherwise they follow the BPE vocabulary. {@code prependsBos}: encoding adds BOS (Llama, Mistral).
     */
    public record SpecialTokens(List<String> tokens, String bos, String configEos, List<String> generationEos,
                                boolean placedFirst, boolean prependsBos) {
    }

    private final Architecture architecture;
    private final String cliName;
    private final double ropeTheta;
    private final double normEps;
    private final boolean tiedEmbeddings;
    private final SpecialTokens specials;

    ModelArch(Architecture architecture, String cliName, double ropeTheta, double normEps, boolean tiedEmbeddings, SpecialTokens specials) {
        this.architecture = architecture;
        this.cliName = cliName;
        this.ropeTheta = ropeTheta;
        this.normEps = normEps;
        this.tiedEmbeddings = tiedEmbeddings;
        this.specials = specials;
    }

    /** The architecture the loader reads this family as. */
    public Architecture architecture() {
        return architecture;
    }

    /** The name used on the command line and as config.json's model_type. */
    public String cliName() {
        return cliName;
    }

    /** Default RoPE base; unused for GPT-2, which has learned positions. */
    public double defaultRopeTheta() {
        return ropeTheta;
    }

    public double defaultNormEps() {
        return normEps;
    }

    public boolean defaultTiedEmbeddings() {
        return tiedEmbeddings;
    }

    public SpecialTokens specials() {
        return specials;
    }

    /** Whether norms store their scale as an offset from 1 (Gemma's {@code 1 + w}), so they start near 0. */
    public boolean normsStoreOffsets() {
        return this == GEMMA3;
    }

    public boolean hasRope() {
        return this != GPT2 && !isEncoder();
    }

    /** A sentence-embedding encoder (BERT, XLM-RoBERTa) rather than a causal decoder. */
    public boolean isEncoder() {
        return architecture.kind() == ModelKind.ENCODER;
    }

    /** The causal decoder families, in declaration order. */
    public static ModelArch[] decoders() {
        return Arrays.stream(values()).filter(a -> !a.isEncoder()).toArray(ModelArch[]::new);
    }

    public static ModelArch fromName(String name) {
        for (ModelArch a : values()) {
            if (a.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "' (expected "
                + Arrays.stream(values()).map(ModelArch::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
