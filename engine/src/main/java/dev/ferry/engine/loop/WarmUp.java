package dev.ferry.engine.loop;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.kv.BlockManager;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the shapes the first requests will run, taken on the engine loop's thread before the
 * engine reports ready. The first steps of a process pay for what later ones reuse: the loop
 * thread's OpenMP team, libtorch's and the BLAS libraries' buffers, the JIT's compilation of the
 * step's Java (batch building, the attention plan, the sampler's two paths): the first 1,026-token
 * request after a start of the small preset took 5.3 s, the same request later 1.3 s. So: one
 * prefill of up to {@link #PREFILL_TOKENS} tokens, then decode steps at every power-of-two batch up
 * to {@link #MAX_DECODE_BATCH} (each a row-count bucket of the dense layers' forms, and the step
 * sizes on either side of the small-step threshold), rows alternating greedy and sampled.
 *
 * <p>The steps use blocks of the real KV pool through a block manager of their own without prefix
 * caching: the engine's own manager never sees them, so no warm-up token lands in the prefix cache
 * or the metrics, and every block is free again (its stale contents overwritten before any request
 * reads them, as with any freed block).
 */
final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    /** The prefill step's tokens at most: its buffers and products are those of longer prompts, at a bounded cost. */
    static final int PREFILL_TOKENS = 256;
    /** The largest decode batch warmed: every dense-layer row bucket below the last, and the last's first step. */
    static final int MAX_DECODE_BATCH = 64;
    /** Steps per decode batch: the first computes each row's one-token prompt, the second decodes. */
    static final int DECODE_STEPS = 2;

    private final StepExecutor executor;
    private final KvManager kv;
    private final int vocab;
    private int steps;

    private WarmUp(StepExecutor executor, EngineSpec spec) {
        this.executor = executor;
        this.kv = new KvManager(new BlockManager(spec.numBlocks(), spec.blockSize(), false));
        this.vocab = spec.vocabSize();
    }

    /** Runs the warm-up steps on the calling thread (the loop's); returns how many ran. */
    static int run(StepExecutor executor, EngineSpec spec, EngineConfig config) {
        long t0 = System.nanoTime();
        WarmUp w = new WarmUp(executor, spec);
        int prefill = Math.min(PREFILL_TOKENS, Math.min(config.maxNumBatchedTokens(), spec.maxModelLen() - 1));
        if (prefill > 0) {
            w.run(List.of(new Sequence(prompt(prefill, 0, spec.vocabSize()))), 1);
        }
        int largest = Math.min(MAX_DECODE_BATCH, Math.min(config.maxNumSeqs(), config.maxNumBatchedTokens()));
        for (int batch = 1; batch <= largest; batch *= 2) {
            List<Sequence> seqs = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                seqs.add(new Sequence(prompt(1, i + 1, spec.vocabSize())));
            }
            w.run(seqs, DECODE_STEPS);
        }
        LOG.info("warm-up: {} steps (prefill of {} tokens, decode batches 1-{}) in {} ms", w.steps, prefill,
                Integer.highestOneBit(Math.max(1, largest)), (System.nanoTime() - t0) / 1_000_000);
        return w.steps;
    }

    /** {@code count} steps of {@code seqs}, each computing every sequence's uncomputed tokens; stops early when the pool is full. */
    private void run(List<Sequence> seqs, int count) {
        try {
            for (int s = 0; s < count; s++) {
                BatchBuilder batch = new BatchBuilder(kv.blockSize());
                for (Sequence seq : seqs) {
                    if (!kv.allocate(seq, seq.numUncomputed())) {
                        return; // a pool smaller than the warm-up: the shapes that fit are warm
                    }
                    batch.add(seq, seq.numUncomputed());
                }
                List<SamplingParams> params = new ArrayList<>(seqs.size());
                int[] positions = new int[seqs.size()];
                for (int r = 0; r < seqs.size(); r++) {
                    params.add((r + s) % 2 == 0 ? SamplingParams.greedy() : SamplingParams.of(1.0, 0, 0.9, r));
                    positions[r] = seqs.get(r).length();
                }
                SampleResult result = executor.execute(batch.build(), params, positions,
                        Collections.nCopies(seqs.size(), null), new TokenMasks(), null);
                steps++;
                for (int r = 0; r < seqs.size(); r++) {
                    Sequence seq = seqs.get(r);
                    seq.markComputed(seq.numUncomputed());
                    seq.append(Math.floorMod(result.tokens()[r], vocab));
                }
            }
        } finally {
            seqs.forEach(kv::free);
        }
    }

    /** Token ids spread over the vocabulary; what they are does not matter, only that they are valid. */
    private static int[] prompt(int length, int salt, int vocab) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = (int) ((salt * 7919L + i * 104729L) % vocab);
        }
        return ids;
    }
}
