package dev.ferry.server.tools;

/**
 * Llama 3 JSON calls: call objects separated by ';', after {@code <|python_tag|>} or from the message's first '{'.
 * Anything else after a call ends the block and is content again, the ';' before it included; a ';' at the very
 * end is only a separator left over.
 */
final class Llama3Block implements CallBlockReader {
    /** The call being read; null after a complete call. */
    private JsonCallsReader call = JsonCallsReader.object();
    /** Whether a ';' came after the last call. */
    private boolean separated;

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        if (call != null) {
            if (call.read(c, calls) == Step.ENDED) {
                call = null;
            }
            return Step.MORE;
        }
        if (Character.isWhitespace(c)) {
            return Step.MORE;
        }
        if (c == ';' && !separated) {
            separated = true;
            return Step.MORE;
        }
        if (c == '{' && separated) {
            separated = false;
            call = JsonCallsReader.object();
            return call.read(c, calls);
        }
        return Step.ENDED_BEFORE;
    }

    @Override
    public void finish() throws MalformedCall {
        if (call != null) {
            call.finish();
        }
    }
}
