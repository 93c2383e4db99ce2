package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.ModelLimits;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.engine.api.Thinking;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.tools.ToolCallFormat;
import dev.ferry.store.config.GenerationConfig;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a request with its tokenized prompt into the engine's request for one model: the one place
 * the fields other than the prompt are checked (max_tokens against the model's context, the
 * sampling values, the stops against the limits and the vocabulary, the output format compiled for
 * the model), and where what the client left out is filled from the model's generation_config.json,
 * then the engine's defaults. A bad field is an {@link ApiException} naming it.
 */
final class RequestValidator {
    /** The engine's sampling defaults, for what neither the client nor the model sets. */
    private static final SamplingParams DEFAULTS = SamplingParams.greedy();

    private final ServingLimits limits;
    private final CompiledFormats formats;

    RequestValidator(ServingLimits limits) {
        this.limits = limits;
        this.formats = new CompiledFormats(limits.formats());
    }

    /** @param prompt the prompt's ids, already checked by {@link PromptTokenizer} */
    GenerateRequest engineRequest(InferenceRequest asked, String requestId, int[] prompt, ServedModel.Instance model) {
        int maxTokens = maxTokens(asked.maxTokens(), prompt.length, model.loaded().maxModelLen());
        SamplingParams sampling = sampling(asked.sampling(), model.folder().generation());
        checkStops(asked, model.loaded().limits());
        OutputConstraint constraint = formats.constraint(outputFormat(asked, model), model.loaded());
        return new GenerateRequest(requestId, prompt, maxTokens, sampling, asked.stopTokenIds(), asked.stop(),
                asked.ignoreEos(), asked.priority(), asked.deadlineNanos(), constraint, thinking(asked.prompt(), model));
    }

    /**
     * The model's thinking markers and the request's budget: its {@code thinking_token_budget}, else
     * 0 when it switched thinking off (so a template that ignores the switch still answers at once),
     * else its effort's budget from the model's ferry.properties, else none. Null for a model that
     * does not think and for prompts that are not chat (the completions endpoint returns text as is).
     * An output format shapes the answer after the thinking, as vLLM's structured outputs do with a
     * reasoning parser.
     */
    private static Thinking thinking(Prompt prompt, ServedModel.Instance model) {
        if (!(prompt instanceof Prompt.Chat chat)) {
            return null;
        }
        int budget = chat.thinkingBudget() != null ? chat.thinkingBudget()
                : chat.thinkingOff() ? 0
                : chat.reasoningEffort() != null ? model.folder().serving().reasoningBudgets().tokens(chat.reasoningEffort())
                : Thinking.UNBOUNDED;
        if (budget < 0) {
            throw ApiException.invalid("thinking_token_budget", "must be >= 0, got " + budget);
        }
        return model.chatTemplate().thinking(budget);
    }

    /** The format the client asked for, or the model's call syntax when its tool choice requires calls. */
    private static OutputFormat outputFormat(InferenceRequest asked, ServedModel.Instance model) {
        if (asked.prompt() instanceof Prompt.Chat chat && chat.toolChoice().enforced()) {
            if (asked.format() != null) {
                throw ApiException.invalid(asked.format().field(), "cannot be combined with tool_choice "
                        + chat.toolChoice().mode().name().toLowerCase(java.util.Locale.ROOT) + ": the answer is tool calls");
            }
            return ToolCallFormat.of(model.chatTemplate().toolCallSyntax(), chat.tools(), chat.toolChoice());
        }
        return asked.format();
    }

    /** How many choices the request asks for (OpenAI's n): one unless it says, at most {@code MAX_CHOICES}. */
    static int choices(InferenceRequest asked) {
        Integer n = asked.choices();
        if (n == null) {
            return 1;
        }
        if (n < 1 || n > InferenceRequest.MAX_CHOICES) {
            throw ApiException.invalid("n", "must be in [1, " + InferenceRequest.MAX_CHOICES + "], got " + n);
        }
        return n;
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
     * The client's values, else the model's, else the engine's. The ranges are the engine's own:
     * {@link SamplingParams} refuses a value with the field it belongs to.
     */
    private static SamplingParams sampling(SamplingOverrides o, GenerationConfig g) {
        try {
            return new SamplingParams(
                    o.temperature() != null ? o.temperature() : g.temperature() != null ? g.temperature() : 1.0,
                    o.topK() != null ? o.topK() : g.topK() != null ? g.topK() : 0,
                    o.topP() != null ? o.topP() : g.topP() != null ? g.topP() : 1.0,
                    o.minP() != null ? o.minP() : DEFAULTS.minP(),
                    o.repetitionPenalty() != null ? o.repetitionPenalty() : DEFAULTS.repetitionPenalty(),
                    o.presencePenalty() != null ? o.presencePenalty() : DEFAULTS.presencePenalty(),
                    o.frequencyPenalty() != null ? o.frequencyPenalty() : DEFAULTS.frequencyPenalty(),
                    o.seed() != null ? o.seed() : ThreadLocalRandom.current().nextLong(),
                    o.logprobs() != null ? o.logprobs() : DEFAULTS.logprobs());
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
    }

    private void checkStops(InferenceRequest r, ModelLimits model) {
        if (r.stop().size() > limits.maxStopStrings()) {
            throw ApiException.invalid("stop", "has " + r.stop().size() + " strings, more than the limit of "
                    + limits.maxStopStrings());
        }
        for (String s : r.stop()) {
            if (s == null || s.isEmpty()) {
                throw ApiException.invalid("stop", "strings must not be empty");
            }
        }
        try {
            model.checkStopTokenIds(r.stopTokenIds());
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
    }
}
