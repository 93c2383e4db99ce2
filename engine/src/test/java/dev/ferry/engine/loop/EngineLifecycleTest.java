package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.Finish;
import dev.ferry.engine.api.FinishReason;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenEvent;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.MemoryBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Cancellation, deadlines, and the block accounting of the engine loop under random workloads. */
class EngineLifecycleTest {

    /** A step executor that samples pseudo-random tokens without a model, with a little delay. */
    static final class StubExecutor implements dev.ferry.engine.loop.StepExecutor {
        private final SplittableRandom random = new SplittableRandom(3);

        @Override
        public SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions,
                                    List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
            int[] tokens = new int[params.size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 3 + random.nextInt(400);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            float[] lp = new float[tokens.length];
            return new SampleResult(tokens, lp, new int[tokens.length][0], new float[tokens.length][0]);
        }
    }

    /** Counts terminal events per request: there must be exactly one. */
    static final class CountingSink implements TokenSink {
        final AtomicInteger finishes = new AtomicInteger();
        volatile Finish finish;

        @Override
        public void onToken(TokenEvent token) {
            if (finishes.get() > 0) {
                throw new AssertionError("token after finish");
            }
        }

        @Override
        public void onFinish(Finish f) {
            finish = f;
            finishes.incrementAndGet();
        }
    }

    @Test
    void randomArrivalsCancelsDeadlinesAndPreemptionsLeakNoBlock() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 51))) {
            EngineSpec spec = new EngineSpec("stub", folder.tokenizer(), 40, 16, 256, 512, Set.of(510));
            for (boolean caching : new boolean[] {true, false}) {
                Engine engine = Engine.start(new StubExecutor(), spec, EngineConfig.DEFAULTS.withPrefixCaching(caching)
                        .withMaxNumSeqs(16).withMaxNumBatchedTokens(96));
                SplittableRandom r = new SplittableRandom(caching ? 1 : 2);
                List<CountingSink> sinks = new ArrayList<>();
                List<RequestHandle> handles = new ArrayList<>();
                int[] shared = new int[48];
                for (int i = 0; i < shared.length; i++) {
                    shared[i] = 7 + i;
                }
                for (int i = 0; i < 300; i++) {
                    int len = 1 + r.nextInt(200);
                    int[] prompt = new int[len];
                    for (int k = 0; k < len; k++) {
                        prompt[k] = k < shared.length && r.nextBoolean() ? shared[k] : r.nextInt(500);
                    }
                    GenerateRequest req = GenerateRequest.of(prompt, 1 + r.nextInt(50), SamplingParams.greedy())
                            .withPriority(r.nextInt(3) == 0 ? Priority.BATCH : Priority.INTERACTIVE);
                    if (r.nextInt(8) == 0) {
                        req = req.withDeadline(System.nanoTime() + r.nextInt(5_000_000));
                    }
                    CountingSink sink = new CountingSink();
                    sinks.add(sink);
                    handles.add(engine.submit(req, sink));
                    if (r.nextInt(6) == 0 && !handles.isEmpty()) {
                        handles.get(r.nextInt(handles.size())).cancel();
                    }
                    if (r.nextInt(4) == 0) {
                        Thread.sleep(0, 200_000);
                    }
                }
                engine.shutdown(Duration.ofSeconds(60));
                Set<FinishReason> seen = ConcurrentHashMap.newKeySet();
                for (CountingSink s : sinks) {
                    assertEquals(1, s.finishes.get(), "exactly one terminal event per request");
                    seen.add(s.finish.reason());
                }
                var m = engine.metrics().snapshot();
                assertEquals(0, m.kvBlocksUsed(), "every block is free or cached-unreferenced at the end");
                assertTrue(m.preemptions() > 0, "the workload must preempt: " + m.preemptions());
                assertTrue(seen.contains(FinishReason.CANCELLED) && seen.contains(FinishReason.LENGTH), seen.toString());
            }
        }
    }

    @Test
    void cancellingARunningRequestFreesItsBlocksAndEndsItsStream() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 52));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withKvCacheMemory(MemoryBudget.ofBytes(1 << 22)));
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            AtomicInteger seen = new AtomicInteger();
            AtomicInteger blocksAtCancel = new AtomicInteger(-1);
            var handle = new java.util.concurrent.atomic.AtomicReference<RequestHandle>();
            // cancel from the third token's delivery, so a slow test thread cannot let the request finish first
            TokenStream stream = new TokenStream().onEachToken(t -> {
                if (seen.incrementAndGet() == 3) {
                    blocksAtCancel.set(engine.metrics().snapshot().kvBlocksUsed());
                    while (handle.get() == null) {
                        Thread.onSpinWait();
                    }
                    handle.get().cancel();
                }
            });
            RequestHandle h = engine.submit(GenerateRequest.of(new int[] {1, 2, 3, 4, 5}, 200, SamplingParams.greedy())
                    .withIgnoreEos(true), stream);
            handle.set(h);
            TokenStream.Result r = stream.await(Duration.ofSeconds(10));
            assertEquals(FinishReason.CANCELLED, r.finish().reason());
            assertTrue(blocksAtCancel.get() > 0, "the request held blocks while running");
            assertTrue(r.tokenIds().length < 200);
            long until = System.nanoTime() + 1_000_000_000L;
            while (engine.metrics().snapshot().kvBlocksUsed() != 0 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(0, engine.metrics().snapshot().kvBlocksUsed());
            assertTrue(h.isDone());
        }
    }

    @Test
    void aPassedDeadlineEndsTheRequestWithDeadline() throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 53));
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults());
             Engine engine = Engine.start(runner, EngineConfig.DEFAULTS)) {
            TokenStream.Result r = engine.submit(GenerateRequest.of(new int[] {1, 2, 3}, 250, SamplingParams.greedy())
                    .withIgnoreEos(true).withDeadline(System.nanoTime() + 20_000_000L)).await(Duration.ofSeconds(10));
            assertEquals(FinishReason.DEADLINE, r.finish().reason());
        }
    }
}
