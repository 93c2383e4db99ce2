package dev.ferry.server.api;

import java.util.List;

/**
 * Whether and how a chat request's model calls its tools (OpenAI's {@code tool_choice} and
 * {@code parallel_tool_calls}).
 *
 * @param function the function a {@link Mode#FUNCTION} choice names; null otherwise
 * @param parallel whether one answer may hold several calls
 */
public record ToolChoice(Mode mode, String function, boolean parallel) {
    public enum Mode {
        /** The model answers in text; its output is not read for calls. */
        NONE,
        /** The model decides; calls in its output are read as calls. */
        AUTO,
        /** The answer is one or more calls, enforced while it is generated. */
        REQUIRED,
        /** The answer is a call of {@code function}, enforced while it is generated. */
        FUNCTION
    }

    /**
     * The choice a request makes, checked against its tools, the same for every transport.
     *
     * @param mode null when the client gave none: AUTO with tools and NONE without, as with OpenAI
     * @param functionField how the transport spells the named function's field, for its error
     */
    public static ToolChoice of(Mode mode, String function, boolean parallel, List<Prompt.Tool> tools,
                                String functionField) {
        if (mode == null) {
            return new ToolChoice(tools.isEmpty() ? Mode.NONE : Mode.AUTO, null, parallel);
        }
        if (mode != Mode.NONE && tools.isEmpty()) {
            throw ApiException.invalid("tool_choice", "needs tools to choose from");
        }
        if (mode == Mode.FUNCTION) {
            if (tools.stream().noneMatch(t -> t.name().equals(function))) {
                throw ApiException.invalid(functionField, "\"" + function + "\" is not one of the tools");
            }
            return new ToolChoice(mode, function, false);
        }
        return new ToolChoice(mode, null, parallel);
    }

    /** Whether the output is held to the model's call format while it is generated. */
    public boolean enforced() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }
}
