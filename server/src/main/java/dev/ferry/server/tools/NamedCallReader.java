package dev.ferry.server.tools;

import com.fasterxml.jackson.core.JsonToken;

/** Mistral's v11 call, {@code name[ARGS]{arguments}}: the name is plain text and only the arguments are JSON. */
final class NamedCallReader implements CallBlockReader {
    private final StringBuilder name = new StringBuilder();
    /** Set at the '[' after the name. */
    private ExpectedText argsMarker;
    private final JsonFeed json = new JsonFeed();
    private final ArgumentsText arguments = new ArgumentsText();

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        if (argsMarker == null) {
            if (isNameCharacter(c)) {
                name.append(c);
                return Step.MORE;
            }
            if (c != '[' || name.isEmpty()) {
                throw new MalformedCall("expected a function name, then [ARGS]");
            }
            argsMarker = new ExpectedText("[ARGS]");
        }
        if (!argsMarker.complete()) {
            if (argsMarker.read(c)) {
                calls.named(name.toString());
            }
            return Step.MORE;
        }
        json.feed(c, (parser, token) -> {
            // an object's '}' shows where the call ends; a bare number would only end at whatever follows it
            if (!arguments.started() && token != JsonToken.START_OBJECT) {
                throw new MalformedCall("the arguments are not a JSON object");
            }
            calls.arguments(arguments.write(parser, token));
        });
        if (!arguments.complete()) {
            return Step.MORE;
        }
        calls.ended();
        return Step.ENDED;
    }

    @Override
    public void finish() throws MalformedCall {
        throw new MalformedCall("cut off by the end of the output"); // a complete call has already ended the block
    }

    /** OpenAI function names: letters, digits, '_' and '-'; '.' for namespaced tools. */
    private static boolean isNameCharacter(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.');
    }
}
