package dev.ferry.server.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.ferry.engine.api.Thinking;
import dev.ferry.server.answer.ReasoningParser;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.tools.ToolParserFamily;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.config.TokenizerConfig;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns chat messages into prompt text the way transformers' {@code apply_chat_template} does: the
 * model's Jinja template from tokenizer_config.json, rendered with trim_blocks and lstrip_blocks,
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception}, plus the request's own variables ({@code chat_template_kwargs}). A model
 * without a template gets a plain "role: content" layout. It also knows how the model writes tool
 * calls and marks its thinking: what ferry.properties says ({@code tool-parser=}, {@code
 * reasoning-parser=}), else what the template shows.
 */
public final class ChatTemplate {
    /** The rendered prompt, and whether the tokenizer should still add its special tokens (BOS). */
    public record Rendered(String text, boolean addSpecialTokens) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The variables the server sets, which a request's own may not replace. */
    private static final Set<String> RESERVED = Set.of("messages", "tools", "add_generation_prompt", "bos_token",
            "eos_token", "raise_exception");
    private static final JinjavaConfig CONFIG = JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .build();

    private final String template;
    private final TokenizerConfig tokens;
    private final Jinjava jinjava;
    private final ToolParserFamily toolCallSyntax;
    private final ReasoningParser reasoning;
    /** The thinking markers' token ids, or null when the model does not think. */
    private final int[] openIds;
    private final int[] closeIds;

    private ChatTemplate(String template, TokenizerConfig tokens, ToolParserFamily toolCallSyntax,
                         ReasoningParser reasoning, ModelTokenizer tokenizer) {
        this.template = template;
        this.tokens = tokens;
        this.toolCallSyntax = toolCallSyntax;
        this.reasoning = reasoning;
        this.openIds = reasoning == ReasoningParser.NONE ? null : tokenizer.encode(reasoning.open(), false);
        this.closeIds = reasoning == ReasoningParser.NONE ? null : tokenizer.encode(reasoning.close(), false);
        this.jinjava = template == null ? null : new Jinjava(CONFIG);
        if (jinjava != null) {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class, "raiseException", String.class));
        }
    }

    /**
     * The syntax this model writes tool calls in: ferry.properties' {@code tool-parser}, else the one
     * its template uses, else Hermes' (the common default of open models' templates).
     */
    public ToolParserFamily toolCallSyntax() {
        return toolCallSyntax;
    }

    /** How the model marks its thinking: NONE when it does not think. */
    public ReasoningParser reasoningParser() {
        return reasoning;
    }

    /** The model's thinking markers with {@code budget}; null when the model does not think. */
    public Thinking thinking(int budget) {
        return reasoning == ReasoningParser.NONE ? null : new Thinking(openIds, closeIds, budget);
    }

    /**
     * The template of a model folder. A {@code tool-parser=} or {@code reasoning-parser=} value
     * that names no parser fails the load, naming the file and key.
     */
    public static ChatTemplate of(TokenizerConfig config, ServingConfig serving, ModelTokenizer tokenizer) {
        String template = config.chatTemplate();
        ToolParserFamily detected = ToolParserFamily.detect(template);
        ToolParserFamily calls = detected != null ? detected : ToolParserFamily.HERMES;
        ReasoningParser reasoning = ReasoningParser.detect(template);
        try {
            if (serving.toolParser() != null) {
                calls = ToolParserFamily.fromName(serving.toolParser());
            }
        } catch (IllegalArgumentException e) {
            throw ServingConfig.invalid("tool-parser", e.getMessage());
        }
        try {
            if (serving.reasoningParser() != null) {
                reasoning = ReasoningParser.fromName(serving.reasoningParser());
            }
        } catch (IllegalArgumentException e) {
            throw ServingConfig.invalid("reasoning-parser", e.getMessage());
        }
        return new ChatTemplate(template, config, calls, reasoning, tokenizer);
    }

    /** Renders {@code messages}; a template that rejects them fails with INVALID_ARGUMENT on "messages". */
    public Rendered render(List<Prompt.ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, List.of(), Map.of());
    }

    /**
     * Renders {@code messages} with the {@code tools} the model may call, as transformers passes
     * them: OpenAI's {@code {"type": "function", "function": {name, description, parameters}}}
     * objects, and each assistant message's {@code tool_calls} with their arguments as objects.
     *
     * @param variables more variables for the template (the request's {@code chat_template_kwargs},
     *     {@code enable_thinking}); they may not replace the ones above
     */
    public Rendered render(List<Prompt.ChatMessage> messages, boolean addGenerationPrompt, List<Prompt.Tool> tools,
                           Map<String, Object> variables) {
        if (template == null) {
            return new Rendered(plain(messages, addGenerationPrompt, tools), true);
        }
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Prompt.ChatMessage m : messages) {
            list.add(message(m));
        }
        for (String name : variables.keySet()) {
            if (RESERVED.contains(name)) {
                throw ApiException.invalid("chat_template_kwargs." + name, "is set by the server from the request");
            }
        }
        Map<String, Object> vars = new HashMap<>(variables);
        vars.put("messages", list);
        if (!tools.isEmpty()) { // templates test `tools` for being defined, not for being empty
            vars.put("tools", tools.stream().map(ChatTemplate::tool).toList());
        }
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", tokens.bosToken() == null ? "" : tokens.bosToken());
        vars.put("eos_token", tokens.eosToken() == null ? "" : tokens.eosToken());
        RenderResult result = jinjava.renderForResult(template, vars);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw ApiException.invalid("messages", "the model's chat template rejected them: " + rootMessage(e));
            }
        }
        return new Rendered(result.getOutput(), false);
    }

    private static Map<String, Object> message(Prompt.ChatMessage m) {
        Map<String, Object> out = new HashMap<>(); // content may be null: Map.of refuses nulls
        out.put("role", m.role());
        out.put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            out.put("tool_calls", m.toolCalls().stream().map(c -> Map.of("id", c.id(), "type", "function",
                    "function", Map.of("name", c.name(), "arguments", parse(c.argumentsJson())))).toList());
        }
        if (m.toolCallId() != null) {
            out.put("tool_call_id", m.toolCallId());
        }
        return out;
    }

    private static Map<String, Object> tool(Prompt.Tool t) {
        Map<String, Object> function = new HashMap<>();
        function.put("name", t.name());
        if (t.description() != null) {
            function.put("description", t.description());
        }
        function.put("parameters", parse(t.parametersJson()));
        return Map.of("type", "function", "function", function);
    }

    /** JSON text as the maps and lists a template reads (and its tojson filter writes back). */
    private static Object parse(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("messages", "holds JSON that does not parse: " + e.getOriginalMessage());
        }
    }

    private static String plain(List<Prompt.ChatMessage> messages, boolean addGenerationPrompt, List<Prompt.Tool> tools) {
        StringBuilder sb = new StringBuilder();
        for (Prompt.Tool t : tools) {
            sb.append("tool: ").append(t.name()).append(' ').append(t.parametersJson()).append('\n');
        }
        for (Prompt.ChatMessage m : messages) {
            sb.append(m.role()).append(": ").append(m.content() == null ? "" : m.content());
            for (Prompt.ToolCall c : m.toolCalls()) {
                sb.append(" call ").append(c.name()).append(' ').append(c.argumentsJson());
            }
            sb.append('\n');
        }
        if (addGenerationPrompt) {
            sb.append("assistant:");
        }
        return sb.toString();
    }

    private static String rootMessage(TemplateError e) {
        Throwable t = e.getException();
        while (t != null && t.getCause() != null) {
            t = t.getCause();
        }
        return t != null && t.getMessage() != null ? t.getMessage() : e.getMessage();
    }

    /** Templates call {@code raise_exception('...')} to reject a conversation they cannot format. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }
}
