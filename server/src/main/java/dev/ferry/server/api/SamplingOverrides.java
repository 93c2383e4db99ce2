package dev.ferry.server.api;

/**
 * Sampling fields as a client sent them; null means "not given" and takes the model's
 * generation_config.json default, then the engine's.
 *
 * @param logprobs null for none; 0 for the chosen token's log-probability; n for the n most likely too
 */
public record SamplingOverrides(Double temperature, Integer topK, Double topP, Double minP, Double repetitionPenalty,
                                Double presencePenalty, Double frequencyPenalty, Long seed, Integer logprobs) {

    public static final SamplingOverrides NONE = new SamplingOverrides(null, null, null, null, null, null, null, null, null);
}
