package dev.ferry.server.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.api.v1.Tool;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.ToolChoice;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code GenerateRequest.tools} and {@code tool_choice}; a bad value is refused naming its field. */
final class ProtoTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProtoTools() {
    }

    static List<Prompt.Tool> tools(List<Tool> tools) {
        List<Prompt.Tool> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            Tool t = tools.get(i);
            String field = "tools[" + i + "]";
            if (!Prompt.Tool.isValidName(t.getName())) {
                throw ApiException.invalid(field + ".name", "must be a function name of 1 to 64 letters, digits, _ or -");
            }
            if (!names.add(t.getName())) {
                throw ApiException.invalid(field + ".name", "\"" + t.getName() + "\" is given twice");
            }
            String params = t.getParametersJson().isEmpty() ? Prompt.Tool.NO_PARAMETERS : t.getParametersJson();
            try {
                JsonNode schema = JSON.readTree(params);
                if (!schema.isObject()) {
                    throw ApiException.invalid(field + ".parameters_json", "must be a JSON Schema object");
                }
            } catch (JsonProcessingException e) {
                throw ApiException.invalid(field + ".parameters_json", "is not valid JSON: " + e.getOriginalMessage());
            }
            out.add(new Prompt.Tool(t.getName(), t.getDescription().isEmpty() ? null : t.getDescription(), params));
        }
        return out;
    }

    /** @param choice null when unset: AUTO with tools, NONE without, as over HTTP */
    static ToolChoice choice(dev.ferry.api.v1.ToolChoice choice, List<Prompt.Tool> tools) {
        boolean parallel = choice == null || !choice.hasParallel() || choice.getParallel();
        ToolChoice.Mode mode = switch (choice == null ? dev.ferry.api.v1.ToolChoice.Mode.MODE_UNSPECIFIED : choice.getMode()) {
            case MODE_UNSPECIFIED -> null;
            case MODE_NONE -> ToolChoice.Mode.NONE;
            case MODE_AUTO -> ToolChoice.Mode.AUTO;
            case MODE_REQUIRED -> ToolChoice.Mode.REQUIRED;
            case MODE_FUNCTION -> ToolChoice.Mode.FUNCTION;
            case UNRECOGNIZED -> throw ApiException.invalid("tool_choice.mode", "unknown value " + choice.getModeValue());
        };
        return ToolChoice.of(mode, choice == null ? null : choice.getFunction(), parallel, tools, "tool_choice.function");
    }
}
