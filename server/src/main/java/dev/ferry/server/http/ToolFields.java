package dev.ferry.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.ToolChoice;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tool-calling fields of a chat request, in OpenAI's shapes: {@code tools}, {@code tool_choice},
 * {@code parallel_tool_calls}, an assistant message's {@code tool_calls} and a tool message's
 * {@code tool_call_id}. A bad value is refused naming its field.
 */
final class ToolFields {

    private ToolFields() {
    }

    /** {@code [{"type": "function", "function": {name, description, parameters}}]}; empty when absent. */
    static List<Prompt.Tool> tools(JsonNode n) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw Fields.wrongType("tools", "a list of {type: \"function\", function} objects", n);
        }
        List<Prompt.Tool> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n.size(); i++) {
            String field = "tools[" + i + "]";
            JsonNode t = n.get(i);
            if (!"function".equals(t.path("type").asText())) {
                throw ApiException.invalid(field + ".type", "must be \"function\"");
            }
            JsonNode fn = t.get("function");
            if (fn == null || !fn.isObject()) {
                throw ApiException.invalid(field + ".function", "is required: an object with name and parameters");
            }
            String name = name(fn.get("name"), field + ".function.name");
            if (!names.add(name)) {
                throw ApiException.invalid(field + ".function.name", "\"" + name + "\" is given twice");
            }
            JsonNode params = fn.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw Fields.wrongType(field + ".function.parameters", "a JSON Schema object", params);
            }
            JsonNode description = fn.get("description");
            out.add(new Prompt.Tool(name, description == null || description.isNull() ? null : description.asText(),
                    params == null || params.isNull() ? Prompt.Tool.NO_PARAMETERS : params.toString()));
        }
        return out;
    }

    /**
     * {@code "none" | "auto" | "required" | {"type": "function", "function": {"name"}}}; absent means
     * auto with tools and none without, as with OpenAI.
     */
    static ToolChoice choice(JsonNode n, boolean parallel, List<Prompt.Tool> tools) {
        if (n == null || n.isNull()) {
            return ToolChoice.of(null, null, parallel, tools, null);
        }
        if (n.isTextual()) {
            ToolChoice.Mode mode = switch (n.textValue()) {
                case "none" -> ToolChoice.Mode.NONE;
                case "auto" -> ToolChoice.Mode.AUTO;
                case "required" -> ToolChoice.Mode.REQUIRED;
                default -> throw ApiException.invalid("tool_choice",
                        "must be \"none\", \"auto\", \"required\" or a function, got \"" + n.textValue() + "\"");
            };
            return ToolChoice.of(mode, null, parallel, tools, null);
        }
        if (n.isObject() && "function".equals(n.path("type").asText())) {
            String name = name(n.path("function").get("name"), "tool_choice.function.name");
            return ToolChoice.of(ToolChoice.Mode.FUNCTION, name, parallel, tools, "tool_choice.function.name");
        }
        throw Fields.wrongType("tool_choice", "\"none\", \"auto\", \"required\" or {type: \"function\", function: {name}}", n);
    }

    /** An assistant message's {@code [{id, type: "function", function: {name, arguments}}]}. */
    static List<Prompt.ToolCall> calls(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw Fields.wrongType(field, "a list of {id, type, function} objects", n);
        }
        List<Prompt.ToolCall> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String at = field + "[" + i + "]";
            JsonNode c = n.get(i);
            JsonNode fn = c.path("function");
            JsonNode args = fn.get("arguments");
            String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.textValue() : args.toString();
            out.add(new Prompt.ToolCall(c.path("id").asText(""), name(fn.get("name"), at + ".function.name"), arguments));
        }
        return out;
    }

    static String callId(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw Fields.wrongType(field, "a string", n);
        }
        return n.textValue();
    }

    private static String name(JsonNode n, String field) {
        if (n == null || !n.isTextual() || !Prompt.Tool.isValidName(n.textValue())) {
            throw ApiException.invalid(field, "must be a function name of 1 to 64 letters, digits, _ or -");
        }
        return n.textValue();
    }
}
