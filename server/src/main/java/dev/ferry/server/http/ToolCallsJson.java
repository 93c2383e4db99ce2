package dev.ferry.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.server.tools.Delta;
import dev.ferry.server.tools.ToolCall;
import java.io.IOException;
import java.util.List;

/**
 * A message's {@code tool_calls} in OpenAI's shapes: whole calls in a response's message, or the
 * fragments a stream chunk's delta carries (index always; id, type and name on a call's first
 * fragment; more of the arguments on every one), which the clients put back together.
 */
final class ToolCallsJson {
    private final List<ToolCall> whole;
    private final List<Delta> fragments;

    private ToolCallsJson(List<ToolCall> whole, List<Delta> fragments) {
        this.whole = whole;
        this.fragments = fragments;
    }

    static ToolCallsJson whole(List<ToolCall> calls) {
        return new ToolCallsJson(calls, List.of());
    }

    /** @param fragments call fragments only, in order */
    static ToolCallsJson fragments(List<Delta> fragments) {
        return new ToolCallsJson(List.of(), fragments);
    }

    boolean isEmpty() {
        return whole.isEmpty() && fragments.isEmpty();
    }

    void write(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall c : whole) {
            g.writeStartObject();
            g.writeStringField("id", c.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", c.name());
            g.writeStringField("arguments", c.argumentsJson());
            g.writeEndObject();
            g.writeEndObject();
        }
        for (Delta d : fragments) {
            g.writeStartObject();
            g.writeNumberField("index", d.index());
            if (d.id() != null) {
                g.writeStringField("id", d.id());
                g.writeStringField("type", "function");
            }
            g.writeObjectFieldStart("function");
            if (d.name() != null) {
                g.writeStringField("name", d.name());
            }
            g.writeStringField("arguments", d.argumentsFragment());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
