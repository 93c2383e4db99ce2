package dev.ferry.store.config;

/** How token vectors become one sentence vector: sentence-transformers' {@code pooling_mode_*} keys. */
public enum PoolingMode {
    /** The first token's vector ([CLS], {@code <s>}). */
    CLS("pooling_mode_cls_token"),
    /** The mean over the input's tokens (padding excluded). */
    MEAN("pooling_mode_mean_tokens"),
    /** The element-wise maximum over the input's tokens (padding excluded). */
    MAX("pooling_mode_max_tokens"),
    /** The last token's vector: decoder-based embedding models. */
    LAST_TOKEN("pooling_mode_lasttoken");

    private final String key;

    PoolingMode(String key) {
        this.key = key;
    }

    /** The key in {@code 1_Pooling/config.json} that selects this mode. */
    public String key() {
        return key;
    }
}
