package dev.ferry.server.models;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.store.config.TokenizerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns chat messages into prompt text the way transformers' {@code apply_chat_template} does: the
 * model's Jinja template from tokenizer_config.json, rendered with trim_blocks and lstrip_blocks,
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and
 * {@code raise_exception}. A model without a template gets a plain "role: content" layout.
 */
public final class ChatTemplate {
    /** The rendered prompt, and whether the tokenizer should still add its special tokens (BOS). */
    public record Rendered(String text, boolean addSpecialTokens) {}

    private static final JinjavaConfig CONFIG = JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .build();

    private final String template;
    private final TokenizerConfig tokens;
    private final Jinjava jinjava;

    private ChatTemplate(String template, TokenizerConfig tokens) {
        this.template = template;
        this.tokens = tokens;
        this.jinjava = template == null ? null : new Jinjava(CONFIG);
        if (jinjava != null) {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class, "raiseException", String.class));
        }
    }

    public static ChatTemplate of(TokenizerConfig config) {
        return new ChatTemplate(config.chatTemplate(), config);
    }

    /** Renders {@code messages}; a template that rejects them fails with INVALID_ARGUMENT on "messages". */
    public Rendered render(List<Prompt.ChatMessage> messages, boolean addGenerationPrompt) {
        if (template == null) {
            return new Rendered(plain(messages, addGenerationPrompt), true);
        }
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Prompt.ChatMessage m : messages) {
            list.add(Map.of("role", m.role(), "content", m.content()));
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", list);
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

    private static String plain(List<Prompt.ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Prompt.ChatMessage m : messages) {
            sb.append(m.role()).append(": ").append(m.content()).append('\n');
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
