package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.RequestHead;
import dev.ferry.server.api.RequestListener;
import dev.ferry.server.api.RequestOutcome;
import dev.ferry.server.api.Transport;
import dev.ferry.server.cache.CachedInference;
import dev.ferry.server.cache.ResponseCache;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.LearnedScorer;
import dev.ferry.server.routing.RouteConfig;
import dev.ferry.server.routing.Routing;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The transport-neutral front door of the engines, the same for gRPC and HTTP: {@link #prepare}
 * resolves the model (or route) a request names and prepares it for that model (tokenized by
 * {@link PromptTokenizer}, checked and completed by {@link RequestValidator}); the transport sets up
 * its stream and calls {@link PreparedRequest#start}. Every refusal is an {@link ApiException}
 * naming the field at fault; every request's end, refused or finished, is told once to the
 * {@link RequestListener}.
 */
public final class Inference {
    private final ModelRegistry registry;
    private final ServingLimits limits;
    private final PromptTokenizer prompts;
    private final RequestValidator validator;
    private final RequestStarter starter;
    private final EarlyRefusal early;
    private final RequestListener listener;
    private final Routing routing;
    private final Tokenization tokenization;
    private volatile boolean draining;

    public Inference(ModelRegistry registry, ServingLimits limits) {
        this(registry, limits, null);
    }

    /** @param responses answers deterministic requests seen before; null for none */
    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses) {
        this(registry, limits, responses, TenantQuotas.unlimited(), RequestListener.NONE);
    }

    /**
     * @param responses answers deterministic requests seen before; null for none
     * @param listener hears how every request ended
     */
    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses, RequestListener listener) {
        this(registry, limits, responses, TenantQuotas.unlimited(), listener);
    }

    /**
     * @param responses answers deterministic requests seen before; null for none
     * @param quotas token budgets per tenant
     * @param listener hears how every request ended
     */
    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses, TenantQuotas quotas,
                     RequestListener listener) {
        this(registry, limits, responses, quotas, listener, null);
    }

    /**
     * @param responses answers deterministic requests seen before; null for none
     * @param quotas token budgets per tenant
     * @param listener hears how every request ended
     * @param learnedRoutes where the learned router persists its fits ({@code $FERRY_HOME/routing}); null
     *     keeps them in memory
     */
    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses, TenantQuotas quotas,
                     RequestListener listener, Path learnedRoutes) {
        this.listener = listener;
        this.registry = registry;
        this.limits = limits;
        this.prompts = new PromptTokenizer(limits);
        this.validator = new RequestValidator(limits);
        CachedInference cached = responses == null ? null : new CachedInference(responses);
        AdmissionGate gate = new AdmissionGate(quotas);
        this.routing = new Routing(registry, new LearnedScorer(learnedRoutes, LearnedScorer.DEFAULT_REFIT));
        this.starter = new RequestStarter(gate, cached, listener, new ShadowRuns(registry, routing, prompts));
        this.early = new EarlyRefusal(gate, cached != null);
        this.tokenization = new Tokenization(registry, routing, prompts);
        if (cached != null) {
            registry.onChange(cached::fingerprint);
        }
    }

    public ModelRegistry registry() {
        return registry;
    }

    public ServingLimits limits() {
        return limits;
    }

    /** The store's routes and the counts of their decisions. */
    public Routing routing() {
        return routing;
    }

    /** Prompts to token ids and back, without generating. */
    public Tokenization tokenization() {
        return tokenization;
    }

    /** From now on new requests are refused with UNAVAILABLE; those in flight continue. */
    public void drain() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    /**
     * Validates and tokenizes without starting, so a transport can set up its stream knowing the
     * serving model and request id before the first token can arrive; then it calls
     * {@link PreparedRequest#start}.
     */
    public PreparedRequest prepare(InferenceRequest request) {
        long startNanos = System.nanoTime();
        ServedModel model = null;
        RouteConfig route = null;
        try {
            if (draining) {
                throw ApiException.unavailable("the server is shutting down; retry on another instance");
            }
            // one id for every candidate a route may try, so the id a transport announced stays true
            String id = request.requestId() == null || request.requestId().isEmpty()
                    ? UUID.randomUUID().toString() : request.requestId();
            route = routing.route(request.model());
            if (route != null) {
                // the router counts tokens with the first ready candidate, usually the one that serves: tokenize once
                Map<ServedModel.Instance, int[]> ids = new IdentityHashMap<>();
                Function<ServedModel.Instance, int[]> tokens =
                        i -> ids.computeIfAbsent(i, k -> prompts.tokenize(request.prompt(), k));
                return routing.prepare(route, request, m -> tokens.apply(m).length,
                        (m, attempts) -> {
                            PreparedRequest p = prepare(request, m, id, "", startNanos, tokens);
                            p.routedBy(attempts);
                            return p;
                        });
            }
            model = registry.resolve(request.model());
            String why = request.model() == null || request.model().isEmpty() ? "the server's only model"
                    : request.model().equals(model.name()) ? "named in the request" : "alias " + request.model();
            return prepare(request, model, id, why, startNanos, i -> prompts.tokenize(request.prompt(), i));
        } catch (ApiException e) {
            listener.ended(new RequestOutcome.Refused(blankToNull(request.requestId()),
                    RequestOutcome.tenant(request.tenant()), model == null ? null : model.name(),
                    route == null ? null : route.name(), request.transport(), e.status(), e.getMessage(),
                    System.nanoTime() - startNanos));
            throw e;
        }
    }

    /**
     * Refuses a request that admission control would refuse whatever its prompt (its model's queue
     * for its class is full, its tenant's bucket short), from what its head says, so a front end can
     * answer it before parsing the rest; the refusal is counted and told to the listener as
     * {@link #prepare}'s would be. Returns when the head cannot tell (a route, a name that is no
     * model, a model not ready): {@link #prepare} then decides, and checks again itself.
     */
    public void refuseEarly(RequestHead head) {
        long startNanos = System.nanoTime();
        if (draining || head.model() == null || head.model().isEmpty()) {
            return;
        }
        ServedModel model = registry.find(head.model()); // a model or alias wins over a route of that name
        if (model == null) {
            return;
        }
        try {
            early.check(model, head);
        } catch (ApiException e) {
            listener.ended(new RequestOutcome.Refused(blankToNull(head.requestId()), RequestOutcome.tenant(head.tenant()),
                    model.name(), null, head.transport(), e.status(), e.getMessage(), System.nanoTime() - startNanos));
            throw e;
        }
    }

    /** A refusal a front end made before the request reached {@link #prepare} (authentication, parsing). */
    public void refused(Transport transport, String requestId, ApiException e) {
        listener.ended(new RequestOutcome.Refused(blankToNull(requestId), RequestOutcome.DEFAULT_TENANT, null, null,
                transport, e.status(), e.getMessage(), -1));
    }

    /**
     * @param why how the request came to this model, when no route brought it
     * @param tokens the prompt's ids with an instance's tokenizer (checked as {@link PromptTokenizer#tokenize} does)
     */
    private PreparedRequest prepare(InferenceRequest request, ServedModel model, String id, String why,
                                    long startNanos, Function<ServedModel.Instance, int[]> tokens) {
        refuseUnlessGenerates(model);
        early.check(model, request.head()); // before the expensive part: rendering and tokenizing
        ServedModel.Instance m = model.instance();
        int[] prompt = tokens.apply(m);
        prompts.checkLength(request.prompt(), prompt, model);
        GenerateRequest g = validator.engineRequest(request, id, prompt, m);
        int choices = RequestValidator.choices(request);
        // a seed the server made up would never repeat, so only greedy and client-seeded requests are
        // cacheable; the cache keeps one answer per request, so only those of one choice
        boolean cacheable = choices == 1 && (g.sampling().isGreedy() || request.sampling().seed() != null);
        return new PreparedRequest(model, g, cacheable, request, choices, startNanos, why, starter);
    }

    /** UNAVAILABLE unless {@code model} is ready to serve, with a retry hint while it loads. */
    public static void refuseUnlessReady(ServedModel model) {
        if (!model.isReady()) {
            // a loading model will be there soon; a failed or unloaded one only after an operator acts
            throw ApiException.unavailable("model '" + model.name() + "' is " + model.state().name().toLowerCase()
                    + (model.error() != null ? ": " + model.error() : ""),
                    model.state() == ServedModel.State.LOADING ? 5 : 0);
        }
    }

    /** As {@link #refuseUnlessReady}, and a bad request naming {@code model} when it is an embedding model. */
    static void refuseUnlessGenerates(ServedModel model) {
        refuseUnlessReady(model);
        if (!model.servesGeneration()) {
            throw ApiException.invalid("model", "'" + model.name() + "' is an embedding model: it serves "
                    + "/v1/embeddings, not text generation");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
