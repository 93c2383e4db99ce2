package dev.ferry.engine.api;

/**
 * One generated token. {@code text} is the text it completes (possibly empty while a multi-byte
 * character or a possible stop string is held back).
 *
 * @param logprob the token's log-probability, NaN unless the request asked for logprobs
 * @param topTokenIds the most likely alternatives when asked (empty otherwise), with {@code topLogprobs}
 */
public record TokenEvent(int tokenId, String text, float logprob, int[] topTokenIds, float[] topLogprobs) {}
