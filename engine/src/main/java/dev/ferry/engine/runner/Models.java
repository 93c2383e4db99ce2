package dev.ferry.engine.runner;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.model.DecoderModel;
import dev.ferry.engine.model.Precision;
import dev.ferry.engine.model.gemma3.Gemma3Loader;
import dev.ferry.engine.model.gpt2.Gpt2Loader;
import dev.ferry.engine.model.llama.LlamaLoader;
import dev.ferry.store.ModelFolder;

/** Builds the native implementation for a model folder's architecture. */
public final class Models {
    private Models() {}

    /**
     * @param maxPositions positions the rotary tables cover (the longest sequence the engine will run)
     */
    public static DecoderModel load(ModelFolder folder, NDManager manager, Precision precision, int maxPositions) {
        return switch (folder.architecture()) {
            case LLAMA, MISTRAL, QWEN2, QWEN3, PHI3 -> LlamaLoader.load(folder, manager, precision, maxPositions);
            case GPT2 -> Gpt2Loader.load(folder, manager, precision);
            case GEMMA3 -> Gemma3Loader.load(folder, manager, precision, maxPositions);
            case BERT, XLM_ROBERTA -> throw encoder(folder);
        };
    }

    /** Refuses an encoder folder where a decoder is needed: the server loads those through LoadedEncoder. */
    public static IllegalArgumentException encoder(ModelFolder folder) {
        return new IllegalArgumentException(folder.name() + " is an encoder (" + folder.architecture().hfClass()
                + "): it computes embeddings, load it with LoadedEncoder");
    }
}
