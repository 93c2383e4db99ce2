package dev.ferry.engine.api;

/**
 * How to pick each next token of one request. Field semantics follow the OpenAI API as vLLM serves
 * it; a value out of range is an {@link InvalidRequestException} naming the field as the API spells it.
 *
 * @param temperature 0 for greedy (argmax); otherwise logits are divided by it
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param minP drop tokens whose probability is below minP times the most likely token's; 0 keeps all
 * @param repetitionPenalty for every token seen in the prompt or the output, a positive logit is
 *     divided by it and a negative one multiplied (transformers / vLLM); 1 is off
 * @param presencePenalty subtracted once from the logit of every token the output already contains
 *     (OpenAI); 0 is off
 * @param frequencyPenalty subtracted from a token's logit once per time the output contains it
 *     (OpenAI); 0 is off
 * @param seed makes sampling reproducible: the token at a given position depends only on the seed,
 *     the position, the logits and the token history, never on which other requests share the batch
 * @param logprobs -1 for none; 0 for the chosen token's log-probability; n for it plus the n most
 *     likely tokens' (at most 20)
 */
public record SamplingParams(
        double temperature,
        int topK,
        double topP,
        double minP,
        double repetitionPenalty,
        double presencePenalty,
        double frequencyPenalty,
        long seed,
        int logprobs) {

    /** The most top tokens a request may ask log-probabilities for (OpenAI's limit). */
    public static final int MAX_LOGPROBS = 20;

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new InvalidRequestException("temperature", "temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new InvalidRequestException("top_k", "top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidRequestException("top_p", "top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new InvalidRequestException("min_p", "min_p must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new InvalidRequestException("repetition_penalty",
                    "repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new InvalidRequestException("presence_penalty",
                    "presence_penalty must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new InvalidRequestException("frequency_penalty",
                    "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        }
        if (logprobs < -1 || logprobs > MAX_LOGPROBS) {
            throw new InvalidRequestException("logprobs",
                    "logprobs must be -1 (none) or in [0, " + MAX_LOGPROBS + "], got "
                    + logprobs);
        }
    }

    /** Temperature, top-k and top-p sampling with no min-p, no penalties and no logprobs. */
    public static SamplingParams of(double temperature, int topK, double topP, long seed) {
        return new SamplingParams(temperature, topK, topP, 0, 1, 0, 0, seed, -1);
    }

    public static SamplingParams greedy() {
        return of(0, 0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** Whether any of the repetition, presence or frequency penalties is on. */
    public boolean hasPenalties() {
        return repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0;
    }

    public boolean wantsLogprobs() {
        return logprobs >= 0;
    }

    public SamplingParams withMinP(double p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, presencePenalty, frequencyPenalty,
                seed, logprobs);
    }

    public SamplingParams withRepetitionPenalty(double penalty) {
        return new SamplingParams(temperature, topK, topP, minP, penalty, presencePenalty, frequencyPenalty, seed,
                logprobs);
    }

    public SamplingParams withPresencePenalty(double penalty) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, penalty, frequencyPenalty, seed,
                logprobs);
    }

    public SamplingParams withFrequencyPenalty(double penalty) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, penalty, seed,
                logprobs);
    }

    public SamplingParams withLogprobs(int n) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
                seed, n);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty,
                s, logprobs);
    }

    /**
     * The sampling of choice {@code index} of a request that asks for several (OpenAI's {@code n}):
     * choice 0 samples as the request alone would; every other one draws from its own seed, mixed
     * from the request's and its index, so the choices differ and each repeats under the same seed.
     */
    public SamplingParams forChoice(int index) {
        return index == 0 ? this : withSeed(mix(seed + index * 0x9E3779B97F4A7C15L));
    }

    /**
     * The uniform number in [0, 1) that picks the token at {@code position}: a hash of (seed,
     * position), so a sequence preempted and recomputed draws the same numbers again.
     */
    public double uniform(int position) {
        long z = seed ^ mix(position + 0x9E3779B97F4A7C15L);
        return (mix(z) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
