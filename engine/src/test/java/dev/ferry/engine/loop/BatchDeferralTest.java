package dev.ferry.engine.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An engine whose work is batch only holds its steps back while another engine on the host's cores
 * has interactive work in flight, and still steps at least once every {@link EngineLoop#MAX_DEFER_NANOS}.
 */
class BatchDeferralTest {

    /** Answers every row with token 0; its first step waits for {@link #release}. */
    private static class GatedExecutor implements StepExecutor {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release;
        final AtomicLong firstStepNanos = new AtomicLong();

        GatedExecutor(CountDownLatch release) {
            this.release = release;
        }

        @Override
        public SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions,
                                    List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
            firstStepNanos.compareAndSet(0, System.nanoTime());
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int n = params.size();
            return new SampleResult(new int[n], new float[n], new int[n][0], new float[n][0]);
        }
    }

    @Test
    void aBatchStepWaitsForAnotherEnginesInteractiveRequest() throws Exception {
        behindAnInteractiveRequest((chatReleased, batch, shadow, submitted) -> {
            Thread.sleep(100);
            long released = System.nanoTime();
            chatReleased.countDown();
            assertEquals(2, batch.await().tokenIds().length);
            long waited = shadow.firstStepNanos.get() - submitted;
            // it stepped only once the interactive request was released, or once it had waited its longest
            assertTrue(waited >= Math.min(released - submitted, EngineLoop.MAX_DEFER_NANOS),
                    "the batch step waited " + waited / 1000 + " us");
        });
    }

    @Test
    void aBatchStepWaitsNoLongerThanTheDeferralBound() throws Exception {
        behindAnInteractiveRequest((chatReleased, batch, shadow, submitted) -> {
            assertEquals(2, batch.await().tokenIds().length, "the batch request finished while the interactive one held");
            assertTrue(shadow.firstStepNanos.get() - submitted >= EngineLoop.MAX_DEFER_NANOS);
            chatReleased.countDown();
        });
    }

    /** What a test checks once a batch request was submitted to one engine while another's interactive step holds. */
    private interface Check {
        void run(CountDownLatch chatReleased, TokenStream batch, GatedExecutor shadow, long submittedNanos) throws Exception;
    }

    /** Holds an interactive request in its first step on one engine, submits a batch request to another, then checks. */
    private static void behindAnInteractiveRequest(Check check) throws Exception {
        CountDownLatch chatReleased = new CountDownLatch(1);
        GatedExecutor chat = new GatedExecutor(chatReleased);
        GatedExecutor shadow = new GatedExecutor(new CountDownLatch(0));
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 52));
             Engine chatEngine = Engine.start(chat, spec(folder, "chat"), EngineConfig.DEFAULTS);
             Engine shadowEngine = Engine.start(shadow, spec(folder, "shadow"), EngineConfig.DEFAULTS)) {
            TokenStream interactive = chatEngine.submit(request(Priority.INTERACTIVE));
            assertTrue(chat.entered.await(5, TimeUnit.SECONDS), "the interactive step started");
            long submitted = System.nanoTime();
            TokenStream batch = shadowEngine.submit(request(Priority.BATCH));
            check.run(chatReleased, batch, shadow, submitted);
            chatReleased.countDown();
            interactive.await();
        }
    }

    private static EngineSpec spec(ModelFolder folder, String name) {
        return new EngineSpec(name, folder.tokenizer(), 40, 16, 256, 512, Set.of(510));
    }

    private static GenerateRequest request(Priority priority) {
        return new GenerateRequest(priority.name(), new int[] {5, 6, 7}, 2, SamplingParams.greedy(), List.of(),
                List.of(), true, priority, 0, null, null);
    }
}
