package dev.ferry.server.api;

import dev.ferry.store.config.ReasoningEffort;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The three ways a request gives its prompt. */
public sealed interface Prompt {
    /** The request field it came in, as the API spells it: what a refusal of it names. */
    default String field() {
        return this instanceof Chat ? "messages" : "prompt";
    }

    /** Text, encoded with the model's tokenizer (its special tokens such as BOS added). */
    record Text(String text) implements Prompt {}

    /** Token ids, used as given. */
    record TokenIds(int[] ids) implements Prompt {}

    /**
     * Chat messages, rendered with the model's chat template and then encoded.
     *
     * @param tools the functions the model may call, handed to the template as its {@code tools}
     * @param toolChoice how it may call them; NONE when there are no tools
     * @param templateKwargs more variables for the template ({@code chat_template_kwargs}, e.g. {@code enable_thinking})
     * @param reasoningEffort how long a thinking model may think; null when not said
     * @param thinkingBudget thinking tokens before the engine closes the thinking; null when not said
     */
    record Chat(List<ChatMessage> messages, boolean addGenerationPrompt, List<Tool> tools, ToolChoice toolChoice,
                Map<String, Object> templateKwargs, ReasoningEffort reasoningEffort, Integer thinkingBudget)
            implements Prompt {
        public static final String ENABLE_THINKING = "enable_thinking";

        public Chat {
            tools = tools == null ? List.of() : List.copyOf(tools);
            toolChoice = toolChoice == null ? new ToolChoice(ToolChoice.Mode.NONE, null, false) : toolChoice;
            // a template variable may be null (JSON null), which Map.copyOf refuses
            templateKwargs = templateKwargs == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(templateKwargs));
        }

        public Chat(List<ChatMessage> messages, boolean addGenerationPrompt, List<Tool> tools, ToolChoice toolChoice) {
            this(messages, addGenerationPrompt, tools, toolChoice, Map.of(), null, null);
        }

        public Chat(List<ChatMessage> messages, boolean addGenerationPrompt) {
            this(messages, addGenerationPrompt, List.of(), null);
        }

        /**
         * The template's variables beyond the messages and tools: the request's kwargs, its
         * {@code reasoning_effort}, and {@code enable_thinking} false for effort "none" unless the
         * kwargs say otherwise (Qwen3's templates read it; others ignore it).
         */
        public Map<String, Object> templateVariables() {
            if (reasoningEffort == null) {
                return templateKwargs;
            }
            Map<String, Object> vars = new HashMap<>(templateKwargs);
            vars.putIfAbsent("reasoning_effort", reasoningEffort.wireName());
            if (reasoningEffort == ReasoningEffort.NONE) {
                vars.putIfAbsent(ENABLE_THINKING, false);
            }
            return vars;
        }

        /** Whether the request switched thinking off: {@code enable_thinking} false, or effort "none". */
        public boolean thinkingOff() {
            return Boolean.FALSE.equals(templateVariables().get(ENABLE_THINKING));
        }
    }

    /**
     * @param content null for an assistant message that only calls tools
     * @param toolCalls the calls an assistant message made (OpenAI's {@code tool_calls})
     * @param toolCallId for a {@code tool} message: the call it answers
     */
    record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
        public ChatMessage {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public ChatMessage(String role, String content) {
            this(role, content, List.of(), null);
        }
    }

    /** A function the model may call: its JSON Schema parameters as JSON text. */
    record Tool(String name, String description, String parametersJson) {
        /** The parameters of a tool that gives none: an empty object. */
        public static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";
        /** OpenAI's rule for function names. */
        private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

        public static boolean isValidName(String name) {
            return name != null && NAME.matcher(name).matches();
        }
    }

    /** A call an assistant message made: its arguments as JSON text. */
    record ToolCall(String id, String name, String argumentsJson) {}
}
