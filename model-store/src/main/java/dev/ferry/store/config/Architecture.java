package dev.ferry.store.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Hugging Face architectures Ferry implements natively, by their {@code architectures} class name. */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    GPT2("GPT2LMHeadModel");

    private final String hfClass;

    Architecture(String hfClass) {
        this.hfClass = hfClass;
    }

    public String hfClass() {
        return hfClass;
    }

    /** The architecture for a class name in config.json's {@code architectures}, or null. */
    public static Architecture fromHfClass(String name) {
        for (Architecture a : values()) {
            if (a.hfClass.equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static String supportedClasses() {
        return Arrays.stream(values()).map(Architecture::hfClass).collect(Collectors.joining(", "));
    }
}
