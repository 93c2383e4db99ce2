package dev.ferry.store.config;

import dev.ferry.store.ModelKind;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Hugging Face architectures Ferry implements natively, by their {@code architectures} class
 * name, with the kind of model each is. An encoder's checkpoint may store its tensors under the
 * task head's prefix ({@code bert.} in {@code BertForMaskedLM}); {@link #checkpointPrefix} names it.
 */
public enum Architecture {
    LLAMA(ModelKind.DECODER, null, "LlamaForCausalLM"),
    MISTRAL(ModelKind.DECODER, null, "MistralForCausalLM"),
    QWEN2(ModelKind.DECODER, null, "Qwen2ForCausalLM"),
    QWEN3(ModelKind.DECODER, null, "Qwen3ForCausalLM"),
    PHI3(ModelKind.DECODER, null, "Phi3ForCausalLM"),
    GEMMA3(ModelKind.DECODER, null, "Gemma3ForCausalLM"),
    GPT2(ModelKind.DECODER, null, "GPT2LMHeadModel"),
    BERT(ModelKind.ENCODER, "bert.", "BertModel", "BertForMaskedLM"),
    XLM_ROBERTA(ModelKind.ENCODER, "roberta.", "XLMRobertaModel");

    private final ModelKind kind;
    private final String checkpointPrefix;
    private final List<String> hfClasses;

    Architecture(ModelKind kind, String checkpointPrefix, String... hfClasses) {
        this.kind = kind;
        this.checkpointPrefix = checkpointPrefix;
        this.hfClasses = List.of(hfClasses);
    }

    /** The class name Ferry writes and reports for this architecture. */
    public String hfClass() {
        return hfClasses.get(0);
    }

    public ModelKind kind() {
        return kind;
    }

    /** The prefix an encoder's tensors may carry in a checkpoint saved with a task head; null for decoders. */
    public String checkpointPrefix() {
        return checkpointPrefix;
    }

    /**
     * Whether real checkpoints of this family overflow float16 (largest value 65504) when computed
     * in it: Gemma 3's residual stream grows past that range in its later layers, so fp16
     * activations turn into inf and NaN (Hugging Face's Gemma 3 does the same in float16). Weights
     * stored in fp16 are fine; fp16 activations, as on a GPU, are not.
     */
    public boolean overflowsFloat16() {
        return this == GEMMA3;
    }

    /** The architecture for a class name in config.json's {@code architectures}, or null. */
    public static Architecture fromHfClass(String name) {
        for (Architecture a : values()) {
            if (a.hfClasses.contains(name)) {
                return a;
            }
        }
        return null;
    }

    public static String supportedClasses() {
        return Arrays.stream(values()).flatMap(a -> a.hfClasses.stream()).collect(Collectors.joining(", "));
    }
}
