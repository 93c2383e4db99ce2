package dev.ferry.server.api;

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

    /** Whether the output is held to the model's call format while it is generated. */
    public boolean enforced() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }
}
