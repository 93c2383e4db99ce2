package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.answer.AnswerParser;
import dev.ferry.server.answer.ReasoningParser;
import dev.ferry.server.api.Admitted;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.api.ToolChoice;
import dev.ferry.server.api.Transport;
import dev.ferry.server.models.ChatTemplate;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteAttempts;
import dev.ferry.server.tools.ToolCallParser;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.List;

/**
 * A validated, tokenized request and the model it is for, not yet started: what a transport needs
 * to set up its stream (request id, serving model, tokenizer) before the first token can arrive,
 * then {@link #start}. A routed request may move to a fallback model when its start is refused;
 * what it reports (model, tokenizer, route reason) is then the fallback's.
 */
public final class PreparedRequest {
    // volatile: a fallback replaces them while transports may read them on their own threads
    private volatile ServedModel model;
    private volatile GenerateRequest request;
    private volatile boolean cacheable;
    private final InferenceRequest asked;
    private final int choices;
    private final long startNanos;
    private final String why;
    private final RequestStarter starter;
    private RouteAttempts<PreparedRequest> route;

    /**
     * @param cacheable whether the answer depends on the request alone (greedy, or seeded by the client)
     * @param choices how many samples of the prompt to answer with (OpenAI's n), checked
     * @param startNanos when validation began: the start of the request's latencies
     * @param why how the request came to this model, when no route brought it
     */
    PreparedRequest(ServedModel model, GenerateRequest request, boolean cacheable, InferenceRequest asked,
                    int choices, long startNanos, String why, RequestStarter starter) {
        this.model = model;
        this.request = request;
        this.cacheable = cacheable;
        this.asked = asked;
        this.choices = choices;
        this.startNanos = startNanos;
        this.why = why;
        this.starter = starter;
    }

    void routedBy(RouteAttempts<PreparedRequest> attempts) {
        route = attempts;
    }

    /**
     * Answers from the response cache or, past admission control, queues the request on the
     * least-loaded replica of its model; {@code sink} then receives the tokens and exactly one finish.
     * A refusal is an {@link ApiException} (RESOURCE_EXHAUSTED with a reason and retry hint when it
     * is not admitted); a routed request refused for want of room (or of its model) moves on to its
     * next candidate first, if it allows fallback.
     */
    public Admitted start(TokenSink sink) {
        return starter.start(this, List.of(sink));
    }

    /**
     * Starts a request for several choices (OpenAI's n), one sink per choice, in choice order:
     * each receives its choice's tokens and one finish; the handle cancels them all. It counts as
     * that many sequences in admission control and in the tenant's quota, and is never answered from
     * the response cache. Otherwise as {@link #start(TokenSink)}.
     */
    public Admitted start(List<? extends TokenSink> sinks) {
        return starter.start(this, sinks);
    }

    /** How many choices the answer has. */
    public int choices() {
        return choices;
    }

    public String model() {
        return model.name();
    }

    /** The route the request named; empty when it named a model or an alias. */
    public String route() {
        return route != null ? route.route() : "";
    }

    /** Why the request is served by {@link #model()}: the route's decision and any fallback, or how it was named. */
    public String routeReason() {
        return route != null ? route.reason(model()) : why;
    }

    public String requestId() {
        return request.requestId();
    }

    public int promptTokens() {
        return request.promptIds().length;
    }

    /** The prompt as the engine will run it (chat template rendered, tokenized); not to be modified. */
    public int[] promptIds() {
        return request.promptIds();
    }

    /** Tokens per KV block of the serving model (its replicas share it): the unit prefixes are cached in. */
    public int kvBlockSize() {
        return model.instance().loaded().kvPool().blockSize();
    }

    public boolean logprobs() {
        return request.sampling().logprobs() >= 0;
    }

    /** Decodes the alternatives of a logprobs answer. */
    public ModelTokenizer tokenizer() {
        return model.instance().folder().tokenizer();
    }

    /**
     * How to read the answer: its thinking when the serving model thinks here (a chat answer), its
     * tool calls when the request gave tools and lets the model call them; null when the answer is
     * text only.
     */
    public AnswerParser answer() {
        GenerateRequest r = request;
        ChatTemplate template = model.instance().chatTemplate();
        ToolCallParser calls = asked.prompt() instanceof Prompt.Chat chat && !chat.tools().isEmpty()
                && chat.toolChoice().mode() != ToolChoice.Mode.NONE ? template.toolCallSyntax() : null;
        return r.thinking() == null ? AnswerParser.of(ReasoningParser.NONE, false, calls)
                : AnswerParser.of(template.reasoningParser(), r.thinking().startsInside(r.promptIds()), calls);
    }

    /** The parts of the request's output format that are not enforced (a non-strict schema's keywords). */
    public List<String> unenforcedFormatParts() {
        GenerateRequest r = request;
        return r.constraint() == null ? List.of() : r.constraint().ignored();
    }

    ServedModel servedModel() {
        return model;
    }

    GenerateRequest engineRequest() {
        return request;
    }

    boolean cacheable() {
        return cacheable;
    }

    /** The attempts of a routed request; null when it named a model or an alias. */
    RouteAttempts<PreparedRequest> routeAttempts() {
        return route;
    }

    /** The route for the request's outcome: null when it named a model or an alias. */
    String routeOrNull() {
        return route != null ? route.route() : null;
    }

    /** The prompt as the client gave it, before any model's template and tokenizer. */
    Prompt prompt() {
        return asked.prompt();
    }

    /** Who the request is accounted to. */
    String tenant() {
        return RequestOutcome.tenant(asked.tenant());
    }

    Transport transport() {
        return asked.transport();
    }

    long startNanos() {
        return startNanos;
    }

    /** The request's start was refused here: it goes on as {@code next}, prepared for the next candidate. */
    void fallBackTo(PreparedRequest next) {
        model = next.model;
        request = next.request;
        cacheable = next.cacheable;
    }
}
