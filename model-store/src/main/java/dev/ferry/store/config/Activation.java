package dev.ferry.store.config;

/** MLP activations of the supported architectures. */
public enum Activation {
    /** SiLU in a gated (SwiGLU) MLP: Llama, Mistral, Qwen2. */
    SILU,
    /** The tanh approximation of GELU ("gelu_new", "gelu_pytorch_tanh"): GPT-2. */
    GELU_TANH
}
