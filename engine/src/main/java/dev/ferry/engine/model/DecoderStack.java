package dev.ferry.engine.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.ferry.store.config.DecoderConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What a decoder model holds whatever its architecture: the config and dtype it was built for, its
 * blocks and LM head, and the manager that owns every weight (closing the model frees them). An
 * architecture adds its embeddings, norms and forward.
 *
 * @param <L> the architecture's block
 */
public abstract class DecoderStack<L extends DecoderLayer> implements DecoderModel {
    protected final DecoderConfig config;
    protected final DataType dtype;
    protected final L[] layers;
    protected final Linear lmHead;
    private final NDManager manager;

    protected DecoderStack(DecoderConfig config, NDManager manager, DataType dtype, L[] layers, Linear lmHead) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.layers = layers;
        this.lmHead = lmHead;
    }

    @Override
    public final DecoderConfig config() {
        return config;
    }

    @Override
    public final DataType dtype() {
        return dtype;
    }

    /** Block by block, then the LM head: every architecture here runs its stack in that order. */
    @Override
    public final List<Linear> linears() {
        List<Linear> out = new ArrayList<>();
        for (L layer : layers) {
            out.addAll(layer.linears());
        }
        out.add(lmHead);
        return out;
    }

    @Override
    public final void close() {
        manager.close();
    }
}
