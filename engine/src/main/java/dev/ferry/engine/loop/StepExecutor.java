package dev.ferry.engine.loop;

import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.sample.SampleResult;
import dev.ferry.engine.sample.TokenHistory;
import dev.ferry.engine.sample.TokenMasks;
import dev.ferry.engine.step.ForwardBatch;
import java.util.List;

/**
 * Runs one step for the engine loop: the model forward over a flattened batch, then sampling of
 * its logit rows: those that end a sequence's known tokens, and the scored tokens of scoring runs. The loop depends on this interface alone, so its
 * own cost can be measured with a stub.
 */
public interface StepExecutor {
    /**
     * @param params one per sampled row, in batch order
     * @param positions the position each sampled token will take
     * @param histories per sampled row, the token history for penalties (null where none)
     * @param masks the allowed tokens of the sampled rows under a structured-output constraint (empty when none is)
     * @param scoredTokens per row, the given token whose log-probability a scoring row reports, -1 for a
     *     sampled row; null when the step scores nothing
     */
    SampleResult execute(ForwardBatch batch, List<SamplingParams> params, int[] positions, List<TokenHistory> histories,
                         TokenMasks masks, int[] scoredTokens);

    /** Whether the steps compute on the host's CPU cores, shared with the front end and the process's other engines. */
    default boolean computesOnHost() {
        return true;
    }
}
