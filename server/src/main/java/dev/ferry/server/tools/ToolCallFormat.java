package dev.ferry.server.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.ToolChoice;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The output format that makes a model call its tools when the request requires it
 * ({@code tool_choice} "required" or a named function): its family's call syntax around JSON
 * objects whose name is one of the allowed functions and whose arguments follow that function's
 * parameter schema. Enforced by the constrained decoder, so even a model that would rather answer
 * in text emits calls that parse and validate.
 */
public final class ToolCallFormat {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most calls one answer may hold when parallel calls are allowed. */
    static final int MAX_PARALLEL_CALLS = 8;

    private ToolCallFormat() {
    }

    /** The format for {@code choice} (required or a function) over {@code tools}, in {@code family}'s syntax. */
    public static OutputFormat of(ToolParserFamily family, List<Prompt.Tool> tools, ToolChoice choice) {
        ArrayNode options = JSON.createArrayNode();
        for (Prompt.Tool t : tools) {
            if (choice.mode() != ToolChoice.Mode.FUNCTION || t.name().equals(choice.function())) {
                options.add(call(t, family == ToolParserFamily.LLAMA3_JSON ? "parameters" : "arguments"));
            }
        }
        ObjectNode item = JSON.createObjectNode();
        item.set("anyOf", options);
        int max = choice.parallel() ? MAX_PARALLEL_CALLS : 1;
        String field = "tool_choice";
        return switch (family) {
            case HERMES -> new OutputFormat.JsonSequence(field, item.toString(), "<tool_call>\n",
                    "\n</tool_call>\n<tool_call>\n", "\n</tool_call>", max);
            case LLAMA3_JSON -> new OutputFormat.JsonSequence(field, item.toString(), "", "; ", "", max);
            case MISTRAL -> new OutputFormat.JsonSequence(field, item.toString(), "[TOOL_CALLS][", ", ", "]", max);
        };
    }

    /** {@code {"name": <the name>, <argumentsKey>: <its parameters>}}, both required, nothing else. */
    private static ObjectNode call(Prompt.Tool t, String argumentsKey) {
        ObjectNode schema = JSON.createObjectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("name").put("const", t.name());
        try {
            properties.set(argumentsKey, JSON.readTree(t.parametersJson()));
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e); // the request reader already parsed it
        }
        schema.putArray("required").add("name").add(argumentsKey);
        schema.put("additionalProperties", false);
        return schema;
    }
}
