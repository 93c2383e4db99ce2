package dev.ferry.server.tools;

/** Hermes and Qwen: what follows {@code <tool_call>} is one call object, then {@code </tool_call>}. */
final class HermesBlock implements CallBlockReader {
    private final JsonCallsReader call = JsonCallsReader.object();
    /** Set once the call object is complete. */
    private ExpectedText closingTag;

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        if (closingTag == null) {
            if (call.read(c, calls) == Step.ENDED) {
                closingTag = new ExpectedText("</tool_call>");
            }
            return Step.MORE;
        }
        if (!closingTag.started() && Character.isWhitespace(c)) {
            return Step.MORE;
        }
        return closingTag.read(c) ? Step.ENDED : Step.MORE;
    }

    /** A complete call whose closing tag the output did not reach (a stop sequence, a token limit) still counts. */
    @Override
    public void finish() throws MalformedCall {
        if (closingTag == null) {
            call.finish();
        }
    }
}
