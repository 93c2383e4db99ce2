package dev.ferry.server.api;

import java.util.List;
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
     */
    record Chat(List<ChatMessage> messages, boolean addGenerationPrompt, List<Tool> tools, ToolChoice toolChoice)
            implements Prompt {
        public Chat {
            tools = tools == null ? List.of() : List.copyOf(tools);
            toolChoice = toolChoice == null ? new ToolChoice(ToolChoice.Mode.NONE, null, false) : toolChoice;
        }

        public Chat(List<ChatMessage> messages, boolean addGenerationPrompt) {
            this(messages, addGenerationPrompt, List.of(), null);
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
