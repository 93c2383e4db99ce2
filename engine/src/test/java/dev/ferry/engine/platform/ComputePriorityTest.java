package dev.ferry.engine.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.engine.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.api.EngineSpec;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.TokenStream;
import dev.ferry.engine.loop.StepExecutor;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine loop runs its steps at the nice value its config asks for, and leaves it alone at 0;
 * on the host's cores, steps of batch work only run at the lowest priority (BatchLane).
 */
class ComputePriorityTest {

    private static final int SCHED_OTHER = 0;
    private static final int SCHED_IDLE = 5;

    /** Records the nice value and scheduling policy of the thread that runs the step. */
    private static class NiceRecordingExecutor implements StepExecutor {
        final AtomicInteger nice = new AtomicInteger(Integer.MIN_VALUE);
        final AtomicInteger policy = new AtomicInteger(Integer.MIN_VALUE);

        @Override
        public SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions,
                                    List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
            nice.set(currentNice());
            policy.set(currentPolicy());
            int n = params.size();
            return new SampleResult(new int[n], new float[n], new int[n][0], new float[n][0]);
        }
    }

    @Test
    void stepsRunAtTheConfiguredNiceValue() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux only");
        int base = currentNice();
        assertEquals(Math.min(19, base + 7), stepNice(7, Priority.INTERACTIVE, new NiceRecordingExecutor()));
        assertEquals(base, stepNice(0, Priority.INTERACTIVE, new NiceRecordingExecutor()));
    }

    @Test
    void batchStepsOnTheHostRunAtTheLowestPriority() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux only");
        int base = currentNice();
        NiceRecordingExecutor onHost = new NiceRecordingExecutor();
        assertEquals(19, stepNice(0, Priority.BATCH, onHost));
        assertEquals(SCHED_IDLE, onHost.policy.get(), "batch steps run in the idle scheduling class");
        assertEquals(19, stepNice(7, Priority.BATCH, new NiceRecordingExecutor()));
        NiceRecordingExecutor interactive = new NiceRecordingExecutor();
        stepNice(7, Priority.INTERACTIVE, interactive);
        assertEquals(SCHED_OTHER, interactive.policy.get());
        NiceRecordingExecutor onGpu = new NiceRecordingExecutor() {
            @Override
            public boolean computesOnHost() {
                return false;
            }
        };
        assertEquals(Math.min(19, base + 7), stepNice(7, Priority.BATCH, onGpu));
        assertEquals(SCHED_OTHER, onGpu.policy.get());
    }

    private static int stepNice(int computeNice, Priority priority, NiceRecordingExecutor executor) throws Exception {
        try (ModelFolder folder = ModelFolder.open(TinyModels.create("llama", 52))) {
            EngineSpec spec = new EngineSpec("nice", folder.tokenizer(), 40, 16, 256, 512, Set.of(510));
            try (Engine engine = Engine.start(executor, spec, EngineConfig.DEFAULTS.withComputeNice(computeNice))) {
                TokenStream stream = engine.submit(new GenerateRequest("r", new int[] {5, 6, 7}, 2,
                        SamplingParams.greedy(), List.of(), List.of(), true, priority, 0, null));
                stream.await();
            }
            return executor.nice.get();
        }
    }

    private static int currentNice() {
        return statField(19);
    }

    private static int currentPolicy() {
        return statField(41);
    }

    /** Field {@code n} (from 1) of /proc/thread-self/stat, counted after the command name, which may hold spaces. */
    private static int statField(int n) {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[n - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
