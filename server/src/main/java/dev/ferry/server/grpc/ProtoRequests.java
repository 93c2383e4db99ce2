package dev.ferry.server.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.ChatMessages;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.Priority;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.api.Transport;
import dev.ferry.store.config.ReasoningEffort;
import io.grpc.Deadline;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads a {@code ferry.v1.GenerateRequest} into the serving core's request; unknown enum values are refused. */
final class ProtoRequests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ProtoRequests() {
    }

    /** @param deadline the call's deadline, or null */
    static InferenceRequest toInference(GenerateRequest r, Deadline deadline) {
        long deadlineNanos = deadline == null ? 0
                : System.nanoTime() + Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS));
        return new InferenceRequest(r.getModel(), prompt(r), r.hasMaxTokens() ? r.getMaxTokens() : null,
                r.hasSampling() ? sampling(r.getSampling()) : null, r.getStopList(), r.getStopTokenIdsList(),
                r.getIgnoreEos(), priority(r), r.getTenant(), r.getRequestId(), deadlineNanos, Transport.GRPC,
                r.hasAllowFallback() ? r.getAllowFallback() : null, r.hasFormat() ? format(r.getFormat()) : null);
    }

    private static OutputFormat format(dev.ferry.api.v1.OutputFormat f) {
        return switch (f.getKindCase()) {
            case JSON_OBJECT -> f.getJsonObject() ? new OutputFormat.JsonObject("format.json_object") : null;
            case JSON_SCHEMA -> new OutputFormat.JsonSchema("format.json_schema.schema", f.getJsonSchema().getSchema(),
                    f.getJsonSchema().getStrict());
            case REGEX -> new OutputFormat.Regex("format.regex", f.getRegex());
            case CHOICE -> {
                if (f.getChoice().getOptionsCount() == 0) {
                    throw ApiException.invalid("format.choice.options", "must list at least one option");
                }
                yield new OutputFormat.Choice("format.choice.options", f.getChoice().getOptionsList());
            }
            case GRAMMAR -> new OutputFormat.Grammar("format.grammar", f.getGrammar());
            case KIND_NOT_SET -> null;
        };
    }

    private static Prompt prompt(GenerateRequest r) {
        if (r.getPromptCase() != GenerateRequest.PromptCase.CHAT && (r.getToolsCount() > 0 || r.hasToolChoice())) {
            throw ApiException.invalid(r.getToolsCount() > 0 ? "tools" : "tool_choice", "needs a chat prompt");
        }
        if (r.getPromptCase() != GenerateRequest.PromptCase.CHAT && (!r.getChatTemplateKwargsJson().isEmpty()
                || r.getReasoningEffortValue() != 0 || r.hasThinkingTokenBudget())) {
            throw ApiException.invalid(!r.getChatTemplateKwargsJson().isEmpty() ? "chat_template_kwargs_json"
                    : r.hasThinkingTokenBudget() ? "thinking_token_budget" : "reasoning_effort", "needs a chat prompt");
        }
        return switch (r.getPromptCase()) {
            case TEXT -> new Prompt.Text(r.getText());
            case TOKEN_IDS -> new Prompt.TokenIds(r.getTokenIds().getIdsList().stream().mapToInt(Integer::intValue).toArray());
            case CHAT -> {
                List<Prompt.Tool> tools = ProtoTools.tools(r.getToolsList());
                yield new Prompt.Chat(messages(r.getChat()), !r.getChat().hasAddGenerationPrompt()
                        || r.getChat().getAddGenerationPrompt(), tools,
                        ProtoTools.choice(r.hasToolChoice() ? r.getToolChoice() : null, tools),
                        templateKwargs(r.getChatTemplateKwargsJson()), effort(r),
                        r.hasThinkingTokenBudget() ? r.getThinkingTokenBudget() : null);
            }
            case PROMPT_NOT_SET -> throw ApiException.invalid("prompt", "is required: set text, token_ids or chat");
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> templateKwargs(String json) {
        if (json.isEmpty()) {
            return Map.of();
        }
        try {
            Object value = JSON.readValue(json, Object.class);
            if (value instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("chat_template_kwargs_json", "is not JSON: " + e.getOriginalMessage());
        }
        throw ApiException.invalid("chat_template_kwargs_json", "must be a JSON object of template variables");
    }

    private static ReasoningEffort effort(GenerateRequest r) {
        return switch (r.getReasoningEffort()) {
            case REASONING_EFFORT_UNSPECIFIED -> null;
            case REASONING_EFFORT_NONE -> ReasoningEffort.NONE;
            case REASONING_EFFORT_MINIMAL -> ReasoningEffort.MINIMAL;
            case REASONING_EFFORT_LOW -> ReasoningEffort.LOW;
            case REASONING_EFFORT_MEDIUM -> ReasoningEffort.MEDIUM;
            case REASONING_EFFORT_HIGH -> ReasoningEffort.HIGH;
            case UNRECOGNIZED -> throw ApiException.invalid("reasoning_effort", "unknown value " + r.getReasoningEffortValue());
        };
    }

    static Prompt chat(ChatMessages c) {
        return new Prompt.Chat(messages(c), !c.hasAddGenerationPrompt() || c.getAddGenerationPrompt());
    }

    private static List<Prompt.ChatMessage> messages(ChatMessages c) {
        return c.getMessagesList().stream().map(m -> new Prompt.ChatMessage(m.getRole(),
                // proto3 has no null: an assistant message that only calls tools has empty content
                m.getContent().isEmpty() && m.getToolCallsCount() > 0 ? null : m.getContent(),
                m.getToolCallsList().stream().map(t -> new Prompt.ToolCall(t.getId(), t.getName(),
                        t.getArgumentsJson().isEmpty() ? "{}" : t.getArgumentsJson())).toList(),
                m.getToolCallId().isEmpty() ? null : m.getToolCallId())).toList();
    }

    private static SamplingOverrides sampling(SamplingParams s) {
        return new SamplingOverrides(s.hasTemperature() ? (double) s.getTemperature() : null,
                s.hasTopK() ? s.getTopK() : null, s.hasTopP() ? (double) s.getTopP() : null,
                s.hasMinP() ? (double) s.getMinP() : null,
                s.hasRepetitionPenalty() ? (double) s.getRepetitionPenalty() : null,
                s.hasPresencePenalty() ? (double) s.getPresencePenalty() : null,
                s.hasFrequencyPenalty() ? (double) s.getFrequencyPenalty() : null,
                s.hasSeed() ? s.getSeed() : null, s.hasLogprobs() ? s.getLogprobs() : null);
    }

    private static Priority priority(GenerateRequest r) {
        return switch (r.getPriority()) {
            case PRIORITY_UNSPECIFIED, PRIORITY_INTERACTIVE -> Priority.INTERACTIVE;
            case PRIORITY_BATCH -> Priority.BATCH;
            case UNRECOGNIZED -> throw ApiException.invalid("priority", "unknown value " + r.getPriorityValue());
        };
    }
}
