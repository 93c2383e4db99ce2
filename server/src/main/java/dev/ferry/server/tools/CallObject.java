package dev.ferry.server.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Set;

/**
 * Follows the tokens inside one {@code {"name": ..., "arguments": {...}}} object and reports the name and the
 * arguments as they arrive. Llama 3 names the arguments "parameters"; every family accepts both spellings.
 */
final class CallObject {
    private static final Set<String> ARGUMENT_FIELDS = Set.of("arguments", "parameters");

    /** The field whose value comes next. */
    private String field;
    /** The arguments value while its tokens are being copied. */
    private ArgumentsText arguments;
    /** How deep inside the value of a field the call does not use. */
    private int skippedDepth;
    private boolean named;
    private boolean hasArguments;

    /** Takes a token after the object's '{'; returns true when it is the object's '}'. */
    boolean accept(JsonParser parser, JsonToken token, CallListener calls) throws MalformedCall, IOException {
        if (arguments != null) {
            copyArguments(parser, token, calls);
        } else if (skippedDepth > 0) {
            skippedDepth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
        } else if (token == JsonToken.FIELD_NAME) {
            field = parser.currentName();
        } else if (token == JsonToken.END_OBJECT) {
            end(calls);
            return true;
        } else {
            value(parser, token, calls);
        }
        return false;
    }

    private void value(JsonParser parser, JsonToken token, CallListener calls) throws MalformedCall, IOException {
        if (field.equals("name")) {
            if (named) {
                throw new MalformedCall("two \"name\" fields");
            }
            if (token != JsonToken.VALUE_STRING || parser.getText().isBlank()) {
                throw new MalformedCall("\"name\" is not a function name");
            }
            named = true;
            calls.named(parser.getText());
        } else if (ARGUMENT_FIELDS.contains(field)) {
            if (hasArguments) {
                throw new MalformedCall("two argument fields");
            }
            hasArguments = true;
            arguments = new ArgumentsText();
            copyArguments(parser, token, calls);
        } else if (token.isStructStart()) {
            skippedDepth = 1;
        }
    }

    private void copyArguments(JsonParser parser, JsonToken token, CallListener calls) {
        calls.arguments(arguments.write(parser, token));
        if (arguments.complete()) {
            arguments = null;
        }
    }

    private void end(CallListener calls) throws MalformedCall {
        if (!named) {
            throw new MalformedCall("no \"name\"");
        }
        if (!hasArguments) {
            calls.arguments("{}"); // OpenAI clients parse the arguments: a call without any takes an empty object
        }
        calls.ended();
    }
}
