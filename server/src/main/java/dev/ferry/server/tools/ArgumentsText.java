package dev.ferry.server.tools;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** Re-serializes one JSON value as compact JSON, token by token, so the arguments can be sent while they arrive. */
final class ArgumentsText {
    private final StringWriter out = new StringWriter();
    private final JsonGenerator generator;
    private int depth;
    private boolean started;

    ArgumentsText() {
        try {
            generator = JsonFeed.FACTORY.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the value's next token; returns the text that adds. */
    String write(JsonParser parser, JsonToken token) {
        try {
            if (token.isNumeric()) {
                // the model's own digits: through a double, 1e3 would come out as 1000.0
                generator.writeNumber(parser.getText());
            } else {
                generator.copyCurrentEvent(parser);
            }
            generator.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory fails only on a bug
        }
        started = true;
        if (token.isStructStart()) {
            depth++;
        } else if (token.isStructEnd()) {
            depth--;
        }
        String added = out.toString();
        out.getBuffer().setLength(0);
        return added;
    }

    boolean started() {
        return started;
    }

    boolean complete() {
        return started && depth == 0;
    }
}
