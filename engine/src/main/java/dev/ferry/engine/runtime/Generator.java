package dev.ferry.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ferry.engine.kv.BlockAllocator;
import dev.ferry.engine.model.ForwardBatch;
import dev.ferry.engine.sample.Sampler;
import dev.ferry.engine.sample.SamplingParams;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.Sequence;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Generates one sequence at a time on a {@link ModelRunner}: the prompt in chunks, then one token
 * per step, streaming each token as it is sampled. The command line's single-request path; the
 * continuous-batching engine loop serves concurrent requests.
 */
public final class Generator {
    /** Prompt tokens per step; bounds the activation memory of a long prompt. */
    private static final int PREFILL_CHUNK = 512;

    private final ModelRunner runner;
    private final Sampler sampler = new Sampler();

    public Generator(ModelRunner runner) {
        this.runner = runner;
    }

    public record Result(int[] promptIds, int[] tokenIds, FinishReason finishReason) {}

    /**
     * @param stopAtEos end at the model's eos ids (the eos token is included in the output ids)
     * @param onToken called with each sampled token id, in order
     */
    public Result generate(int[] prompt, int maxTokens, SamplingParams sampling, boolean stopAtEos, IntConsumer onToken) {
        checkPrompt(prompt, maxTokens);
        Set<Integer> eos = Set.copyOf(runner.folder().eosTokenIds());
        int blockSize = runner.kvSpec().blockSize();
        BlockAllocator blocks = new BlockAllocator(runner.kvSpec().numBlocks());
        Sequence seq = new Sequence(prompt);
        FinishReason reason = FinishReason.LENGTH;
        try {
            while (seq.numGenerated() < maxTokens && seq.length() < runner.maxModelLen()) {
                int n = Math.min(seq.numUncomputed(), PREFILL_CHUNK);
                int[] table = blocks.ensureCapacity(seq.blockTable(), seq.numComputed() + n, blockSize);
                if (table == null) {
                    throw new IllegalStateException("KV cache too small for " + (seq.numComputed() + n)
                            + " tokens; raise --kv-cache-memory");
                }
                seq.setBlockTable(table);
                ForwardBatch batch = new BatchBuilder(blockSize).add(seq, n).build();
                try (NDManager step = runner.newStepManager()) {
                    NDArray logits = runner.forward(batch, step);
                    seq.markComputed(n);
                    if (seq.numUncomputed() > 0) {
                        continue; // a non-final prompt chunk samples nothing
                    }
                    int token = sampler.sample(logits, List.of(sampling), new int[] {seq.length()})[0];
                    seq.append(token);
                    onToken.accept(token);
                    if (stopAtEos && eos.contains(token)) {
                        reason = FinishReason.STOP;
                        break;
                    }
                }
            }
        } finally {
            blocks.release(seq.blockTable());
        }
        return new Result(prompt, seq.generated(), reason);
    }

    private void checkPrompt(int[] prompt, int maxTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt is empty");
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("max_tokens must be positive, got " + maxTokens);
        }
        int vocab = runner.folder().config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt_ids[" + i + "] = " + prompt[i]
                        + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        if (prompt.length >= runner.maxModelLen()) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens; the model's context is "
                    + runner.maxModelLen());
        }
    }
}
