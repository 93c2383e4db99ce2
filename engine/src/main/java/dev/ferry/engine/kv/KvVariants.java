package dev.ferry.engine.kv;

import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.config.RopeScaling;

/**
 * Which variant of keys a sequence caches, by its length. For most models there is one: a token's
 * key depends on its position only. LongRoPE (Phi-3) rotates every position with the short factors
 * while the sequence holds at most original_max_position_embeddings tokens and with the long ones
 * after, so the keys cached before a sequence crosses over are stale once it has (transformers
 * drops its cache at that step), and cached blocks serve only sequences of the same variant.
 */
@FunctionalInterface
public interface KvVariants {
    /** One variant whatever the length. */
    KvVariants SINGLE = length -> 0;

    /** The variant a sequence of {@code sequenceLength} tokens computes its keys in. */
    int of(int sequenceLength);

    static KvVariants of(DecoderConfig c) {
        RopeScaling s = c.ropeScaling();
        return s != null && s.variants() > 1 ? length -> s.longContext(length) ? 1 : 0 : SINGLE;
    }
}
