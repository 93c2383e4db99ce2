package dev.ferry.store;

/** What a model folder serves: generation (a causal decoder) or embeddings (a bidirectional encoder). */
public enum ModelKind {
    DECODER,
    ENCODER
}
