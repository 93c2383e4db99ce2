package dev.ferry.server.tools;

/**
 * Mistral: what follows {@code [TOOL_CALLS]} is a JSON array of call objects, or, from the v11 tokenizer on, one
 * {@code name[ARGS]{arguments}} call (several calls repeat the marker).
 */
final class MistralBlock implements CallBlockReader {
    /** Chosen by the first non-blank character after the marker. */
    private CallBlockReader form;

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        if (form == null) {
            if (Character.isWhitespace(c)) {
                return Step.MORE;
            }
            form = c == '[' ? JsonCallsReader.array() : new NamedCallReader();
        }
        return form.read(c, calls);
    }

    @Override
    public void finish() throws MalformedCall {
        if (form == null) {
            throw new MalformedCall("cut off by the end of the output");
        }
        form.finish();
    }
}
