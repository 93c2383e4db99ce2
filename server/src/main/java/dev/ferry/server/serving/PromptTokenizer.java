package dev.ferry.server.serving;

import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ChatTemplate;
import dev.ferry.server.models.ServedModel;
import java.util.List;
import java.util.Set;

/**
 * The prompt field, all of it: renders chat messages with the model's template, encodes text with
 * its tokenizer, and checks the prompt (present, not empty, roles, token ids in the vocabulary,
 * length within the server's limit and the serving model's context). A bad prompt is an
 * {@link ApiException} naming {@code prompt}, {@code messages} or the message at fault.
 */
final class PromptTokenizer {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    /** Characters a prompt token may take at most, bounding text before it is encoded. */
    private static final int MAX_CHARS_PER_TOKEN = 64;

    private final ServingLimits limits;

    PromptTokenizer(ServingLimits limits) {
        this.limits = limits;
    }

    /** The prompt's token ids with {@code model}'s tokenizer. */
    int[] tokenize(Prompt prompt, ServedModel.Instance model) {
        if (prompt == null) {
            throw ApiException.invalid("prompt", "is required (text, token ids or chat messages)");
        }
        int[] ids;
        if (prompt instanceof Prompt.TokenIds t) {
            ids = t.ids();
        } else {
            if (prompt instanceof Prompt.Text t && (t.text() == null || t.text().isEmpty())) {
                throw ApiException.invalid("prompt", "is empty");
            }
            ChatTemplate.Rendered r = render(prompt, model);
            ids = model.folder().tokenizer().encode(r.text(), r.addSpecialTokens());
        }
        if (ids.length == 0) {
            throw ApiException.invalid(prompt.field(), "is empty");
        }
        try {
            model.loaded().limits().checkTokenIds(ids, "prompt");
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
        return ids;
    }

    /**
     * The text a text or chat prompt encodes to, and whether its tokenizer adds special tokens (BOS):
     * always for text; for chat, unless the model's template writes them itself.
     */
    ChatTemplate.Rendered render(Prompt prompt, ServedModel.Instance model) {
        if (prompt instanceof Prompt.Text t) {
            if (t.text() == null) {
                throw ApiException.invalid("prompt", "is required");
            }
            checkChars(t.text().length(), "prompt");
            return new ChatTemplate.Rendered(t.text(), true);
        }
        Prompt.Chat c = (Prompt.Chat) prompt;
        checkMessages(c.messages());
        ChatTemplate.Rendered r = model.chatTemplate().render(c.messages(), c.addGenerationPrompt(), c.tools(),
                c.templateVariables());
        checkChars(r.text().length(), "messages");
        return r;
    }

    /**
     * Checks the tokenized prompt's length against the server's limit and the model that will serve
     * it. Apart from {@link #tokenize}, since a route counts tokens with one candidate and serves
     * with another.
     */
    void checkLength(Prompt prompt, int[] ids, ServedModel model) {
        if (ids.length > limits.maxPromptTokens()) {
            throw ApiException.invalid(prompt.field(), "has " + ids.length
                    + " tokens, more than this server's limit of " + limits.maxPromptTokens());
        }
        try {
            model.instance().loaded().limits().checkPromptLength(ids.length, prompt.field());
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
    }

    /** Text longer than the prompt-token limit could ever allow is refused before tokenizing it. */
    private void checkChars(int chars, String field) {
        long bound = (long) limits.maxPromptTokens() * MAX_CHARS_PER_TOKEN;
        if (chars > bound) {
            throw ApiException.invalid(field, "has " + chars + " characters, beyond this server's prompt limit");
        }
    }

    private static void checkMessages(List<Prompt.ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.invalid("messages", "is empty");
        }
        for (int i = 0; i < messages.size(); i++) {
            Prompt.ChatMessage msg = messages.get(i);
            if (msg.role() == null || !ROLES.contains(msg.role())) {
                throw ApiException.invalid("messages[" + i + "].role", "must be one of " + ROLES + ", got '"
                        + msg.role() + "'");
            }
            if (msg.content() == null && msg.toolCalls().isEmpty()) { // an assistant's tool calls may stand alone
                throw ApiException.invalid("messages[" + i + "].content", "is required");
            }
        }
    }
}
