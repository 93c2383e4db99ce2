package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.server.models.ServedModel;
import dev.ferry.store.config.GenerationConfig;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a request with its tokenized prompt into the engine's request for one model: the one place
 * the fields other than the prompt are checked (max_tokens against the model's context, the
 * sampling values, the stops against the limits and the vocabulary), and where what the client left
 * out is filled from the model's generation_config.json, then the engine's defaults. A bad field is
 * an {@link ApiException} naming it.
 */
final class RequestValidator {
    /** The engine's sampling defaults: each value is tried on them alone. */
    private static final SamplingParams DEFAULTS = SamplingParams.greedy();

    private final ServingLimits limits;

    RequestValidator(ServingLimits limits) {
        this.limits = limits;
    }

    /** @param prompt the prompt's ids, already checked by {@link PromptTokenizer} */
    GenerateRequest engineRequest(InferenceRequest asked, String requestId, int[] prompt, ServedModel.Instance model) {
        int maxTokens = maxTokens(asked.maxTokens(), prompt.length, model.loaded().maxModelLen());
        SamplingParams sampling = sampling(asked.sampling(), model.folder().generation());
        checkStops(asked, model.folder().config().vocabSize());
        return new GenerateRequest(requestId, prompt, maxTokens, sampling, asked.stopTokenIds(), asked.stop(),
                asked.ignoreEos(), asked.priority(), asked.deadlineNanos());
    }

    private static int maxTokens(Integer requested, int promptTokens, int context) {
        int room = context - promptTokens;
        if (requested == null) {
            return room;
        }
        if (requested <= 0) {
            throw ApiException.invalid("max_tokens", "must be positive, got " + requested);
        }
        if (requested > room) {
            throw ApiException.invalid("max_tokens", requested + " plus the prompt's " + promptTokens
                    + " tokens exceeds the model's context of " + context);
        }
        return requested;
    }

    /**
     * The client's values, else the model's, else the engine's. The ranges are the engine's own
     * ({@link SamplingParams} checks them): each value is tried alone on the defaults, so a refusal
     * is known to be that field's without reading its message.
     */
    private static SamplingParams sampling(SamplingOverrides o, GenerationConfig g) {
        double temperature = o.temperature() != null ? o.temperature() : g.temperature() != null ? g.temperature() : 1.0;
        int topK = o.topK() != null ? o.topK() : g.topK() != null ? g.topK() : 0;
        double topP = o.topP() != null ? o.topP() : g.topP() != null ? g.topP() : 1.0;
        double minP = o.minP() != null ? o.minP() : DEFAULTS.minP();
        double repetition = o.repetitionPenalty() != null ? o.repetitionPenalty() : DEFAULTS.repetitionPenalty();
        double presence = o.presencePenalty() != null ? o.presencePenalty() : DEFAULTS.presencePenalty();
        double frequency = o.frequencyPenalty() != null ? o.frequencyPenalty() : DEFAULTS.frequencyPenalty();
        long seed = o.seed() != null ? o.seed() : ThreadLocalRandom.current().nextLong();
        int logprobs = o.logprobs() != null ? o.logprobs() : DEFAULTS.logprobs();
        check("temperature", () -> SamplingParams.of(temperature, DEFAULTS.topK(), DEFAULTS.topP(), seed));
        check("top_k", () -> SamplingParams.of(DEFAULTS.temperature(), topK, DEFAULTS.topP(), seed));
        check("top_p", () -> SamplingParams.of(DEFAULTS.temperature(), DEFAULTS.topK(), topP, seed));
        check("min_p", () -> DEFAULTS.withMinP(minP));
        check("repetition_penalty", () -> DEFAULTS.withRepetitionPenalty(repetition));
        check("presence_penalty", () -> DEFAULTS.withPresencePenalty(presence));
        check("frequency_penalty", () -> DEFAULTS.withFrequencyPenalty(frequency));
        check("logprobs", () -> DEFAULTS.withLogprobs(logprobs));
        return new SamplingParams(temperature, topK, topP, minP, repetition, presence, frequency, seed, logprobs);
    }

    /** Runs one value's range check, answering a refusal as bad input in {@code field}. */
    private static void check(String field, Runnable build) {
        try {
            build.run();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, e.getMessage());
        }
    }

    private void checkStops(InferenceRequest r, int vocab) {
        if (r.stop().size() > limits.maxStopStrings()) {
            throw ApiException.invalid("stop", "has " + r.stop().size() + " strings, more than the limit of "
                    + limits.maxStopStrings());
        }
        for (String s : r.stop()) {
            if (s == null || s.isEmpty()) {
                throw ApiException.invalid("stop", "strings must not be empty");
            }
        }
        for (int id : r.stopTokenIds()) {
            if (id < 0 || id >= vocab) {
                throw ApiException.invalid("stop_token_ids", id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
    }
}
