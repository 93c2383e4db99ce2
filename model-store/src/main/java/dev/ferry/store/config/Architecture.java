package dev.ferry.store.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Hugging Face architectures Ferry implements natively, by their {@code architectures} class name. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    GPT2("GPT2LMHeadModel", "gpt2");

    private final String hfClass;
    private final String modelType;

    Architecture(String hfClass, String modelType) {
        this.hfClass = hfClass;
        this.modelType = modelType;
    }

    public String hfClass() {
        return hfClass;
    }

    public String modelType() {
        return modelType;
    }

    /** Llama, Mistral and Qwen2 share one implementation with config switches. */
    public boolean isLlamaFamily() {
        return this != GPT2;
    }

    public static Architecture fromHfClass(String name) {
        for (Architecture a : values()) {
            if (a.hfClass.equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static Architecture fromModelType(String type) {
        for (Architecture a : values()) {
            if (a.modelType.equalsIgnoreCase(type)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + type + "' (expected one of "
                + Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", ")) + ")");
    }

    public static String supportedClasses() {
        return Arrays.stream(values()).map(Architecture::hfClass).collect(Collectors.joining(", "));
    }
}
