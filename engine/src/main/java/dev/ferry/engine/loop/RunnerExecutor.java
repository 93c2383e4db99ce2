package dev.ferry.engine.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.Sampler;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import java.util.List;

/** The real step: {@link ModelRunner#forward} then the batched {@link Sampler}, in one step-scoped manager. */
public final class RunnerExecutor implements StepExecutor {
    private final ModelRunner runner;
    private final Sampler sampler = new Sampler();

    public RunnerExecutor(ModelRunner runner) {
        this.runner = runner;
    }

    @Override
    public SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions,
                                List<TokenHistory> histories, TokenMasks masks, int[] scoredTokens) {
        try (NDManager step = runner.newStepManager()) {
            NDArray logits = runner.forward(batch, step);
            if (params.isEmpty()) {
                return new SampleResult(new int[0], new float[0], new int[0][], new float[0][]); // only non-final prompt chunks
            }
            return sampler.sample(logits, params, positions, histories, masks, scoredTokens);
        }
    }

    @Override
    public boolean computesOnHost() {
        return !runner.device().isGpu();
    }
}
