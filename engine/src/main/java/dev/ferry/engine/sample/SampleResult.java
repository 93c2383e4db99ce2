package dev.ferry.engine.sample;

/**
 * What one sampling step chose, row by row. Log-probabilities are the model's raw ones (see
 * {@link Sampler}); rows that did not ask for them hold NaN and empty arrays.
 *
 * @param tokens the chosen token id of each row
 * @param logprobs the chosen token's log-probability, NaN where the row's {@code logprobs} is -1
 * @param topTokenIds the row's {@code logprobs} most likely token ids, most likely first
 * @param topLogprobs their log-probabilities, in the same order (non-increasing)
 */
public record SampleResult(int[] tokens, float[] logprobs, int[][] topTokenIds, float[][] topLogprobs) {}
