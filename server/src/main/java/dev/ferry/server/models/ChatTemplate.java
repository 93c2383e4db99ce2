package dev.ferry.server.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.ferry.engine.api.Thinking;
import dev.ferry.server.answer.ReasoningParser;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.tools.ToolParserFamily;
import dev.ferry.store.PythonJson;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.config.TokenizerConfig;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.CompositeELResolver;

/**
 * Turns chat messages into prompt text the way transformers' {@code apply_chat_template} does: the
 * model's Jinja template from tokenizer_config.json, rendered with trim_blocks and lstrip_blocks,
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception}, plus the request's own variables ({@code chat_template_kwargs}). Where
 * Jinjava and Python's Jinja2 differ, it follows Jinja2: Python's str methods ({@link
 * PythonStringMethods}), transformers' {@code tojson} ({@link PythonJson}), keyword arguments and
 * reversing slices ({@link Jinja2Syntax}); Qwen3's, Gemma 3's and Phi-4-mini's templates render
 * exactly as in transformers (ChatTemplateExactTest). A model
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
            // Jinja2's semantics where Jinjava keeps its own by default: {{- trims, natural operator
            // precedence, backslash escapes in quotes only, a dict iterates over its keys
            .withLegacyOverrides(LegacyOverrides.newBuilder()
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withKeepNullableLoopValues(true)
                    .withHandleBackslashInQuotesOnly(true)
                    .withIterateOverMapKeys(true)
                    .withEvaluateMapKeys(true)
                    .build())
            .withElResolver(pythonFirst(JinjavaConfig.newBuilder().build().getElResolver()))
            .build();

    private final String template;
    /** The template as Jinjava reads it with Jinja2's meaning ({@link Jinja2Syntax}). */
    private final String jinjavaTemplate;
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
        this.jinjavaTemplate = template == null ? null : Jinja2Syntax.forJinjava(template);
        this.tokens = tokens;
        this.toolCallSyntax = toolCallSyntax;
        this.reasoning = reasoning;
        this.openIds = reasoning == ReasoningParser.NONE ? null : tokenizer.encode(reasoning.open(), false);
        this.closeIds = reasoning == ReasoningParser.NONE ? null : tokenizer.encode(reasoning.close(), false);
        this.jinjava = template == null ? null : new Jinjava(CONFIG);
        if (jinjava != null) {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class, "raiseException", String.class));
            jinjava.getGlobalContext().registerFilter(new PythonToJson());
        }
    }

    private static CompositeELResolver pythonFirst(jinjava.javax.el.ELResolver jinjavaDefault) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(jinjavaDefault);
        return resolver;
    }

    /** transformers' tojson: Python's json.dumps, not Jinjava's compact Jackson output. */
    private static final class PythonToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(value);
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
        RenderResult result = jinjava.renderForResult(jinjavaTemplate, vars);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw ApiException.invalid("messages", "the model's chat template rejected them: " + rootMessage(e));
            }
        }
        return new Rendered(result.getOutput(), false);
    }

    private static Map<String, Object> message(Prompt.ChatMessage m) {
        // ordered as OpenAI's JSON, which is the order transformers' tojson prints; content may be null
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", m.role());
        out.put("content", m.content());
        if (!m.toolCalls().isEmpty()) {
            out.put("tool_calls", m.toolCalls().stream().map(ChatTemplate::toolCall).toList());
        }
        if (m.toolCallId() != null) {
            out.put("tool_call_id", m.toolCallId());
        }
        return out;
    }

    private static Map<String, Object> toolCall(Prompt.ToolCall c) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", c.name());
        function.put("arguments", parse(c.argumentsJson()));
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", c.id());
        call.put("type", "function");
        call.put("function", function);
        return call;
    }

    private static Map<String, Object> tool(Prompt.Tool t) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", t.name());
        if (t.description() != null) {
            function.put("description", t.description());
        }
        function.put("parameters", parse(t.parametersJson()));
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
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
