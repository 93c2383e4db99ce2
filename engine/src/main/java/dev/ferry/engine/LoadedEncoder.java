package dev.ferry.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.PackedBatch;
import dev.ferry.engine.model.Pooling;
import dev.ferry.engine.model.bert.BertEncoder;
import dev.ferry.engine.model.bert.BertLoader;
import dev.ferry.engine.platform.OneShotThread;
import dev.ferry.engine.runner.Devices;
import dev.ferry.engine.runner.RunTarget;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.ModelKind;
import dev.ferry.store.config.EncoderConfig;
import dev.ferry.store.config.PoolingMode;
import dev.ferry.store.config.SentenceModules;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sentence-embedding encoder loaded onto a device: the door through which the server embeds
 * text, in Ferry's own types. {@link #encode} and {@link #truncate} turn text into the ids
 * {@link #embed} takes; {@link #embed} runs one packed batch and pools it into one vector per
 * input. Callers that want many requests batched together go through an
 * {@link dev.ferry.engine.embed.EncoderBatcher}.
 */
public final class LoadedEncoder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedEncoder.class);

    private final ModelFolder folder;
    private final NDManager manager;
    private final BertEncoder model;
    private final Pooling pooling;
    private final RunTarget target;
    private final int maxInputTokens;

    private LoadedEncoder(ModelFolder folder, NDManager manager, BertEncoder model, Pooling pooling, RunTarget target,
                          int maxInputTokens) {
        this.folder = folder;
        this.manager = manager;
        this.model = model;
        this.pooling = pooling;
        this.target = target;
        this.maxInputTokens = maxInputTokens;
    }

    /**
     * Loads an encoder folder's weights. The longest input is the smallest of
     * {@code options.maxModelLen()}, ferry.properties' max-model-len, sentence-transformers'
     * {@code max_seq_length} and the position table. Fails with {@link IllegalArgumentException}
     * naming the option, file or tensor at fault.
     */
    public static LoadedEncoder load(ModelFolder folder, LoadOptions options) {
        if (folder.kind() != ModelKind.ENCODER) {
            throw new IllegalArgumentException(folder.name() + " is a decoder (" + folder.architecture().hfClass()
                    + "): it generates tokens, load it with LoadedModel");
        }
        // on a thread that ends with the load, so no OpenMP team outlives it beside the batcher's
        return OneShotThread.call("ferry-load-" + folder.name(), () -> loadHere(folder, options));
    }

    private static LoadedEncoder loadHere(ModelFolder folder, LoadOptions options) {
        RunTarget target = RunTarget.of(options, folder.serving(), folder.architecture());
        EncoderConfig c = folder.encoderConfig();
        SentenceModules modules = folder.sentenceModules();
        int maxTokens = c.maxTokens();
        for (Integer limit : new Integer[] {options.maxModelLen(), folder.serving().maxModelLen(), modules.maxSeqLength()}) {
            if (limit != null) {
                maxTokens = Math.min(maxTokens, limit);
            }
        }
        NDManager manager = NDManager.newBaseManager(target.device(), "PyTorch");
        try {
            long t0 = System.nanoTime();
            BertEncoder model = BertLoader.load(folder, manager, target.precision());
            LOG.info("loaded {} ({}, {} pooling{}) on {} as {} in {} ms; inputs up to {} tokens", folder.name(),
                    c.architecture().hfClass(), modules.pooling(), modules.normalize() ? ", normalized" : "",
                    target.device(), target.precision().activations(), (System.nanoTime() - t0) / 1_000_000, maxTokens);
            return new LoadedEncoder(folder, manager, model, new Pooling(modules.pooling(), modules.normalize()),
                    target, maxTokens);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * One vector per input, in input order: {@link #dimensions()} floats each, unit length when the
     * model normalizes. The inputs run as one packed batch (no padding), so a batch costs about what its
     * inputs cost alone, less the per-call overhead it shares.
     *
     * @param tokenIds each input's ids, special tokens included ({@link #encode})
     * @throws InvalidRequestException naming {@code input[i]} for an empty input, one longer than
     *     {@link #maxInputTokens()} or an id outside the vocabulary
     */
    public synchronized float[][] embed(List<int[]> tokenIds) {
        validate(tokenIds);
        if (tokenIds.isEmpty()) {
            return new float[0][];
        }
        PackedBatch batch = PackedBatch.of(tokenIds);
        try (NDManager step = manager.newSubManager()) {
            NDArray pooled = pooling.apply(model.forward(batch, step), batch, step);
            float[] flat = pooled.toFloatArray();
            int dim = dimensions();
            float[][] out = new float[batch.rows()][];
            for (int r = 0; r < out.length; r++) {
                out[r] = Arrays.copyOfRange(flat, r * dim, (r + 1) * dim);
            }
            return out;
        }
    }

    /**
     * Checks inputs before they are queued, so that a bad one fails its own request and not a batch.
     *
     * @throws InvalidRequestException naming {@code input[i]}, as {@link #embed} would
     */
    public void validate(List<int[]> tokenIds) {
        for (int i = 0; i < tokenIds.size(); i++) {
            validate(i, tokenIds.get(i));
        }
    }

    /**
     * Checks one input of a client's list, named by its place there, for callers that queue only
     * some of the list (the rest answered from a cache).
     *
     * @throws InvalidRequestException naming {@code input[index]}
     */
    public void validate(int index, int[] ids) {
        String field = "input[" + index + "]";
        if (ids.length == 0) {
            throw new InvalidRequestException("input", field + ": empty input (it needs at least one token)");
        }
        if (ids.length > maxInputTokens) {
            throw new InvalidRequestException("input", field + ": " + ids.length + " tokens exceed the model's "
                    + "maximum input of " + maxInputTokens);
        }
        int vocab = model.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new InvalidRequestException("input", field + ": token id " + id
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /** The text's ids wrapped in the model's special tokens ([CLS] … [SEP], {@code <s>} … {@code </s>}); never truncated. */
    public int[] encode(String text) {
        return folder.tokenizer().encode(text, true);
    }

    /**
     * {@code ids} cut to {@link #maxInputTokens()} as Hugging Face truncation does: the text's
     * tokens are shortened and the closing special token kept. Shorter inputs come back as they are.
     */
    public int[] truncate(int[] ids) {
        if (ids.length <= maxInputTokens) {
            return ids;
        }
        int[] cut = Arrays.copyOf(ids, maxInputTokens);
        int last = ids[ids.length - 1];
        if (folder.tokenizer().isSpecial(last)) {
            cut[maxInputTokens - 1] = last;
        }
        return cut;
    }

    /** The longest input {@link #embed} takes, special tokens included. */
    public int maxInputTokens() {
        return maxInputTokens;
    }

    /** Floats per embedding. */
    public int dimensions() {
        return model.config().hiddenSize();
    }

    public PoolingMode pooling() {
        return pooling.mode();
    }

    public boolean normalizes() {
        return pooling.normalizes();
    }

    public ModelFolder folder() {
        return folder;
    }

    /** Ferry's name of the device it runs on: "cpu", "gpu0", ... */
    public String device() {
        return Devices.name(target.device());
    }

    /** The dtype the model was asked to run in (f16 on a CPU keeps fp32 activations). */
    public TensorDtype dtype() {
        return target.requested();
    }

    /** As {@link LoadedModel#numerics()}: the dtype, and whether the dense layers are int8. */
    public String numerics() {
        return Numerics.of(dtype(), target.precision().int8());
    }

    @Override
    public synchronized void close() {
        manager.close();
    }
}
