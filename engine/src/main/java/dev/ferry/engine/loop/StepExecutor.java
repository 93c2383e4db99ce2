package dev.ferry.engine.loop;

import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import java.util.List;

/**
 * Runs one step for the engine loop: the model forward over a flattened batch, then sampling of
 * the rows that end a sequence's known tokens. The loop depends on this interface alone, so its
 * own cost can be measured with a stub.
 */
public interface StepExecutor {
    /**
     * @param params one per sampled row, in batch order
     * @param positions the position each sampled token will take
     * @param histories per sampled row, the token history for penalties (null where none)
     * @param masks the allowed tokens of the sampled rows under a structured-output constraint (empty when none is)
     */
    SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions, List<TokenHistory> histories,
                         TokenMasks masks);
}
