package dev.ferry.server.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.server.api.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * The structured-output fields of a JSON request, as the HTTP API and {@code ferry generate
 * --requests-file} read them: OpenAI's {@code response_format}, vLLM's {@code structured_outputs}
 * object and its older {@code guided_json}, {@code guided_regex}, {@code guided_choice} and
 * {@code guided_grammar} fields.
 */
public final class FormatJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fields, in the order they are read (an error names the second of two). */
    public static final List<String> NAMES = List.of("response_format", "structured_outputs", "guided_json", "guided_regex",
            "guided_choice", "guided_grammar");

    private FormatJson() {
    }

    /**
     * The format field {@code name} (one of {@link #NAMES}) asks for: null for free text (an absent
     * field, or {@code response_format} of type text). A bad value is an {@link ApiException} naming it.
     */
    public static OutputFormat read(String name, JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return switch (name) {
            case "response_format" -> responseFormat(n);
            case "structured_outputs" -> structuredOutputs(n);
            case "guided_json" -> schema(name, n, false);
            case "guided_regex" -> new OutputFormat.Regex(name, text(name, n));
            case "guided_choice" -> new OutputFormat.Choice(name, choices(name, n));
            case "guided_grammar" -> new OutputFormat.Grammar(name, text(name, n));
            default -> throw new IllegalArgumentException("not a format field: " + name);
        };
    }

    /** OpenAI: {@code {"type": "text" | "json_object" | "json_schema", "json_schema": {name, schema, strict}}}. */
    private static OutputFormat responseFormat(JsonNode n) {
        if (!n.isObject()) {
            throw wrongType("response_format", "an object with a type", n);
        }
        String type = text("response_format.type", n.get("type"));
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return new OutputFormat.JsonObject("response_format");
            case "json_schema":
                JsonNode js = n.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw ApiException.invalid("response_format.json_schema",
                            "is required with type json_schema: an object with name, schema and strict");
                }
                JsonNode strict = js.get("strict");
                if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                    throw wrongType("response_format.json_schema.strict", "true or false", strict);
                }
                JsonNode schema = js.get("schema");
                if (schema == null || schema.isNull()) {
                    throw ApiException.invalid("response_format.json_schema.schema", "is required");
                }
                return schema("response_format.json_schema.schema", schema, strict != null && strict.asBoolean());
            default:
                throw ApiException.invalid("response_format.type",
                        "must be \"text\", \"json_object\" or \"json_schema\", got \"" + type + "\"");
        }
    }

    /** vLLM: {@code {"json": schema, "regex": ..., "choice": [...], "grammar": ..., "json_object": true}}, one of them. */
    private static OutputFormat structuredOutputs(JsonNode n) {
        if (!n.isObject()) {
            throw wrongType("structured_outputs", "an object", n);
        }
        List<OutputFormat> given = new ArrayList<>();
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            String field = "structured_outputs." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            switch (e.getKey()) {
                case "json" -> given.add(schema(field, v, false));
                case "regex" -> given.add(new OutputFormat.Regex(field, text(field, v)));
                case "choice" -> given.add(new OutputFormat.Choice(field, choices(field, v)));
                case "grammar" -> given.add(new OutputFormat.Grammar(field, text(field, v)));
                case "json_object" -> {
                    if (!v.isBoolean()) {
                        throw wrongType(field, "true or false", v);
                    }
                    if (v.booleanValue()) {
                        given.add(new OutputFormat.JsonObject(field));
                    }
                }
                default -> throw ApiException.invalid(field, "is not supported; use json, regex, choice, grammar"
                        + " or json_object");
            }
        }
        if (given.size() > 1) {
            throw ApiException.invalid("structured_outputs", "asks for " + given.size() + " formats; give one");
        }
        return given.isEmpty() ? null : given.get(0);
    }

    /** A schema given as a JSON object (or boolean), or as its JSON text (vLLM accepts both). */
    private static OutputFormat schema(String field, JsonNode n, boolean strict) {
        JsonNode schema = n;
        if (n.isTextual()) {
            try {
                schema = JSON.readTree(n.textValue());
            } catch (JsonProcessingException e) {
                throw ApiException.invalid(field, "is not valid JSON: " + e.getOriginalMessage());
            }
        }
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            throw wrongType(field, "a JSON Schema object", n);
        }
        return new OutputFormat.JsonSchema(field, schema.toString(), strict);
    }

    private static String text(String field, JsonNode n) {
        if (n == null || n.isNull()) {
            throw ApiException.invalid(field, "is required");
        }
        if (!n.isTextual()) {
            throw wrongType(field, "a string", n);
        }
        return n.textValue();
    }

    private static ApiException wrongType(String field, String expected, JsonNode got) {
        String text = got.toString();
        return ApiException.invalid(field, "must be " + expected + ", got "
                + (text.length() <= 60 ? text : text.substring(0, 57) + "..."));
    }

    private static List<String> choices(String field, JsonNode n) {
        if (!n.isArray() || n.isEmpty()) {
            throw wrongType(field, "a non-empty list of strings", n);
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(text(field + "[" + i + "]", n.get(i)));
        }
        return out;
    }
}
