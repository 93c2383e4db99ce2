package dev.ferry.server.tools;

/**
 * Llama 3 JSON calls: call objects separated by ';', after {@code <|python_tag|>} or from the message's first '{'.
 * Text after the last call, other than a ';', is content again.
 */
final class Llama3Block implements CallBlockReader {
    /** The call being read; null after a complete call until a ';' asks for the next. */
    private JsonCallsReader call = JsonCallsReader.object();

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        if (call != null) {
            if (call.read(c, calls) == Step.ENDED) {
                call = null;
            }
            return Step.MORE;
        }
        if (c == ';') {
            call = JsonCallsReader.object();
            return Step.MORE;
        }
        return Character.isWhitespace(c) ? Step.MORE : Step.ENDED_BEFORE;
    }

    /** A ';' with no call after it at the very end is only a separator left over. */
    @Override
    public void finish() throws MalformedCall {
        if (call != null && call.opened()) {
            call.finish();
        }
    }
}
