package dev.ferry.engine.api;

import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.Set;

/**
 * What an engine loop needs to know about the model behind its step executor.
 *
 * @param name for thread names and logs
 * @param numBlocks KV blocks of {@code blockSize} tokens in the pool
 */
public record EngineSpec(String name, ModelTokenizer tokenizer, int numBlocks, int blockSize, int maxModelLen,
                         int vocabSize, Set<Integer> eosTokenIds) {

    /** What a request must fit in to run here. */
    public ModelLimits limits() {
        return new ModelLimits(name, vocabSize, maxModelLen);
    }
}
