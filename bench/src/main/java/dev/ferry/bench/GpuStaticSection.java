package dev.ferry.bench;

import ai.djl.ndarray.NDManager;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sched.BatchBuilder;
import dev.ferry.engine.sched.KvManager;
import dev.ferry.engine.sched.Sequence;
import dev.ferry.store.safetensors.TensorDtype;
import java.util.Arrays;
import java.util.List;

/**
 * The static section of {@link GpuBenchmark}: the device's memory bandwidth and matmul rate, then
 * prefill, decode and static-batch end-to-end rates through {@code ModelRunner.forward}, with no
 * scheduler in between (every sequence prefilled in chunks of {@code prefillBatch} prompts, then all
 * decode together).
 */
final class GpuStaticSection {
    private final GpuResults results;
    private final ModelRunner runner;
    private final long vocab;
    private final int prompt;
    private final int newTokens;
    private final int prefillBatch;
    private final int steps;
    private final int warmup;
    private double bandwidth = Double.NaN;

    GpuStaticSection(GpuResults results, ModelRunner runner, long vocab, int prompt, int newTokens, int prefillBatch,
                     int steps, int warmup) {
        this.results = results;
        this.runner = runner;
        this.vocab = vocab;
        this.prompt = prompt;
        this.newTokens = newTokens;
        this.prefillBatch = prefillBatch;
        this.steps = steps;
        this.warmup = warmup;
    }

    /**
     * Runs every part; each decode batch of {@code floorBatches} is also set against its floor, the
     * time to read the weights and its KV cache once at the measured bandwidth.
     */
    void run(int[] decodeBatches, int[] e2eBatches, int[] floorBatches, long dense, TensorDtype dtype,
             long kvBytesPerToken) {
        results.part("ceilings", () -> ceilings());
        results.part("prefill", () -> prefill());
        for (int b : decodeBatches) {
            results.part("decode_b" + b, () -> decode(b));
        }
        for (int b : floorBatches) {
            Object stepMs = results.get("decode_b" + b + "_step_ms");
            if (stepMs instanceof Double ms && !Double.isNaN(bandwidth)) {
                double context = prompt + warmup + steps / 2.0 + 1;
                double bytes = dense * (double) dtype.bytes() + b * context * kvBytesPerToken;
                double floorMs = bytes / bandwidth * 1000;
                results.put("decode_b" + b + "_floor_ms", ForwardBenchmark.round3(floorMs));
                results.put("decode_b" + b + "_vs_floor", ForwardBenchmark.round(ms / floorMs));
            }
        }
        for (int n : e2eBatches) {
            results.part("e2e_n" + n, () -> endToEnd(n));
        }
    }

    private void ceilings() {
        boolean gpu = runner.device().isGpu();
        // On a GPU: 1 GiB buffers and 8 sums per sync, so the sync is a small part of what is timed.
        bandwidth = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device(),
                gpu ? 256L << 20 : 128L << 20, gpu ? 8 : 1);
        results.put("memory_read_GBps", ForwardBenchmark.round(bandwidth / 1e9));
        double flops = MachineCeilings.matmulFlops(runner.newStepManager(), runner.device());
        results.put(gpu ? "matmul_fp16_TFLOPs" : "matmul_fp32_TFLOPs", ForwardBenchmark.round3(flops / 1e12));
    }

    /** Time to first token for one prompt (a lower bound: no queueing), and the rate of a batch of prompts in one step. */
    private void prefill() {
        int repeats = Math.max(5, steps / 4);
        double one = timedPrefill(1, repeats);
        results.put("prefill_1x" + prompt + "_ms", ForwardBenchmark.round3(one * 1000));
        results.put("prefill_1x" + prompt + "_tok_s", ForwardBenchmark.round(prompt / one));
        double many = timedPrefill(prefillBatch, repeats);
        results.put("prefill_" + prefillBatch + "x" + prompt + "_ms", ForwardBenchmark.round3(many * 1000));
        results.put("prefill_" + prefillBatch + "x" + prompt + "_tok_s", ForwardBenchmark.round(prefillBatch * prompt / many));
    }

    private double timedPrefill(int batch, int repeats) {
        double[] t = new double[warmup + repeats];
        for (int r = 0; r < t.length; r++) {
            KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
            List<Sequence> seqs = prompts(batch, 1000L * r);
            long s = System.nanoTime();
            step(seqs, kv);
            t[r] = (System.nanoTime() - s) / 1e9;
        }
        return ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
    }

    /** Median decode step with {@code batch} sequences all at a context of about {@code prompt} tokens. */
    private void decode(int batch) {
        KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
        List<Sequence> seqs = prompts(batch, 0);
        prefillAll(seqs, kv);
        double[] t = new double[warmup + steps];
        for (int k = 0; k < t.length; k++) {
            long s = System.nanoTime();
            step(seqs, kv);
            t[k] = (System.nanoTime() - s) / 1e6;
        }
        double ms = ForwardBenchmark.median(Arrays.copyOfRange(t, warmup, t.length));
        results.put("decode_b" + batch + "_step_ms", ForwardBenchmark.round3(ms));
        results.put("decode_b" + batch + "_tok_s", ForwardBenchmark.round(batch * 1000 / ms));
    }

    /** {@code n} requests of {@code prompt} tokens, each generating {@code newTokens}: one prefill then newTokens - 1 decode steps. */
    private void endToEnd(int n) {
        KvManager kv = KvManager.withoutPrefixCaching(runner.kvSpec());
        List<Sequence> seqs = prompts(n, 7);
        long s = System.nanoTime();
        prefillAll(seqs, kv);
        long prefilled = System.nanoTime();
        for (int k = 1; k < newTokens; k++) {
            step(seqs, kv);
        }
        double total = (System.nanoTime() - s) / 1e9;
        results.put("e2e_n" + n + "_s", ForwardBenchmark.round3(total));
        results.put("e2e_n" + n + "_prefill_s", ForwardBenchmark.round3((prefilled - s) / 1e9));
        results.put("e2e_n" + n + "_tok_s", ForwardBenchmark.round((double) n * newTokens / total));
    }

    private List<Sequence> prompts(int n, long seed) {
        return RandomPrompts.of(n, prompt, vocab, seed).stream().map(Sequence::new).toList();
    }

    private void prefillAll(List<Sequence> seqs, KvManager kv) {
        for (int i = 0; i < seqs.size(); i += prefillBatch) {
            step(seqs.subList(i, Math.min(seqs.size(), i + prefillBatch)), kv);
        }
    }

    /**
     * One forward step over every uncomputed token of {@code seqs} (a whole prompt, or the one token
     * a decode adds), then greedy sampling: the argmax copy to the host is the step's only sync.
     */
    private void step(List<Sequence> seqs, KvManager kv) {
        int blockSize = runner.kvSpec().blockSize();
        BatchBuilder batch = new BatchBuilder(blockSize);
        for (Sequence s : seqs) {
            if (!kv.allocate(s, s.numUncomputed())) {
                throw new IllegalStateException("KV cache full (" + runner.kvSpec().numBlocks() + " blocks of "
                        + blockSize + " tokens): give a larger --kv-cache");
            }
            batch.add(s, s.numUncomputed());
        }
        try (NDManager step = runner.newStepManager()) {
            long[] next = runner.forward(batch.build(), step).argMax(1).toLongArray();
            for (int i = 0; i < seqs.size(); i++) {
                Sequence s = seqs.get(i);
                s.markComputed(s.numUncomputed());
                s.append((int) next[i]);
            }
        }
    }
}
