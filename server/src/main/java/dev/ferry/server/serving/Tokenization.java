package dev.ferry.server.serving;

import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.models.ChatTemplate;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteConfig;
import dev.ferry.server.routing.Routing;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.List;

/**
 * The token utilities of both transports, so clients can count a prompt against the context before
 * sending it: a text or chat prompt becomes exactly the ids a generation of it would get (rendered
 * and encoded by the same {@link PromptTokenizer}), and ids become text again. Nothing reaches an
 * engine, so a prompt longer than the context is counted, not refused.
 */
public final class Tokenization {
    /**
     * @param strings the tokens as the vocabulary spells them; null unless asked for
     * @param maxModelLen the model's context, prompt plus output
     */
    public record Tokens(int[] ids, List<String> strings, int maxModelLen) {}

    private final ModelRegistry registry;
    private final Routing routing;
    private final PromptTokenizer prompts;

    Tokenization(ModelRegistry registry, Routing routing, PromptTokenizer prompts) {
        this.registry = registry;
        this.routing = routing;
        this.prompts = prompts;
    }

    /**
     * @param model a model's name or alias; empty or null for the server's only model
     * @param prompt text or chat messages
     * @param addSpecialTokens null to add them as a generation does (text: yes; chat: unless the template writes them)
     * @param withStrings whether to spell out each token too
     */
    public Tokens tokenize(String model, Prompt prompt, Boolean addSpecialTokens, boolean withStrings) {
        ServedModel.Instance m = instance(model);
        ChatTemplate.Rendered r = prompts.render(prompt, m);
        boolean special = addSpecialTokens == null ? r.addSpecialTokens() : addSpecialTokens;
        ModelTokenizer tokenizer = m.folder().tokenizer();
        int[] ids = tokenizer.encode(r.text(), special);
        return new Tokens(ids, withStrings ? tokenizer.tokenStrings(r.text(), special) : null,
                m.loaded().limits().maxModelLen());
    }

    /**
     * The text of {@code ids}, the request's "tokens". Special tokens (BOS) are left out, as in
     * generated text, so that detokenizing what tokenize gave returns the original text.
     */
    public String detokenize(String model, int[] ids) {
        ServedModel.Instance m = instance(model);
        try {
            m.loaded().limits().checkTokenIds(ids, "tokens");
        } catch (InvalidRequestException e) {
            throw ApiException.invalid(e);
        }
        return m.folder().tokenizer().decode(ids);
    }

    private ServedModel.Instance instance(String model) {
        RouteConfig route = routing.route(model);
        if (route != null) {
            // a route picks its model per request, and its candidates need not share a tokenizer
            throw ApiException.invalid("model", "'" + model + "' is a route; name one of its models "
                    + route.candidates());
        }
        ServedModel m = registry.resolve(model);
        Inference.refuseUnlessGenerates(m);
        return m.instance();
    }
}
