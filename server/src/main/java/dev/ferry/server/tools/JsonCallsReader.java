package dev.ferry.server.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Reads one JSON value made of calls as it arrives: a single call object, or (Mistral) an array of them. */
final class JsonCallsReader implements CallBlockReader {
    private final boolean array;
    private final JsonFeed feed = new JsonFeed();
    private boolean opened;
    private boolean closed;
    /** The call object being read, or null between the calls of an array. */
    private CallObject call;

    private JsonCallsReader(boolean array) {
        this.array = array;
    }

    static JsonCallsReader object() {
        return new JsonCallsReader(false);
    }

    static JsonCallsReader array() {
        return new JsonCallsReader(true);
    }

    @Override
    public Step read(char c, CallListener calls) throws MalformedCall {
        feed.feed(c, (parser, token) -> accept(parser, token, calls));
        return closed ? Step.ENDED : Step.MORE;
    }

    /** An array of complete calls that the output ended before its ']' still counts, like a missing closing tag. */
    @Override
    public void finish() throws MalformedCall {
        if (!opened || call != null) {
            throw new MalformedCall("cut off by the end of the output");
        }
    }

    private void accept(JsonParser parser, JsonToken token, CallListener calls) throws MalformedCall, IOException {
        if (!opened) {
            open(token);
        } else if (call != null) {
            if (call.accept(parser, token, calls)) {
                call = null;
                closed = !array;
            }
        } else if (token == JsonToken.START_OBJECT) {
            call = new CallObject();
        } else if (token == JsonToken.END_ARRAY) {
            closed = true;
        } else {
            throw new MalformedCall("the call array holds something other than call objects");
        }
    }

    private void open(JsonToken token) throws MalformedCall {
        if (token != (array ? JsonToken.START_ARRAY : JsonToken.START_OBJECT)) {
            throw new MalformedCall(array ? "expected a JSON array of calls" : "expected a JSON object");
        }
        opened = true;
        if (!array) {
            call = new CallObject();
        }
    }
}
