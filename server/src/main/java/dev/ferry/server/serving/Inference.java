package dev.ferry.server.serving;

import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.InvalidRequestException;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.admission.TenantQuotas;
import dev.ferry.server.cache.CachedInference;
import dev.ferry.server.cache.ResponseCache;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteAttempts;
import dev.ferry.server.routing.RouteConfig;
import dev.ferry.server.routing.Router;
import dev.ferry.server.routing.Routing;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The transport-neutral front of the engines: prepares a request for the model (or route) it names
 * (tokenized by {@link PromptTokenizer}, checked and completed by {@link RequestValidator}) and hands
 * it to the model's engine, or answers it from the response cache when it is deterministic. Every
 * refusal is an {@link ApiException} naming the field at fault.
 * Every request's end, refused or finished, is told once to the {@link RequestListener}.
 */
public final class Inference {
    private static final int RETRY_AFTER_SECONDS = 1;

    private final ModelRegistry registry;
    private final ServingLimits limits;
    private final PromptTokenizer prompts;
    private final RequestValidator validator;
    private final CachedInference cached;
    private final AdmissionGate gate;
    private final RequestListener listener;
    private final Routing routing;
    private volatile boolean draining;

    public Inference(ModelRegistry registry, ServingLimits limits) {
        this(registry, limits, null);
    }

    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses) {
        this(registry, limits, responses, TenantQuotas.unlimited(), RequestListener.NONE);
    }

    /**
     * @param responses answers deterministic requests seen before; null for none
     * @param quotas token budgets per tenant
     */
    public Inference(ModelRegistry registry, ServingLimits limits, ResponseCache responses, TenantQuotas quotas) {
        this(registry, limits, responses, quotas, RequestListener.NONE);
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
        this.listener = listener;
        this.registry = registry;
        this.limits = limits;
        this.prompts = new PromptTokenizer(limits);
        this.validator = new RequestValidator(limits);
        this.gate = new AdmissionGate(quotas);
        this.cached = responses == null ? null : new CachedInference(responses);
        this.routing = new Routing(registry, new Router());
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
     * {@link Prepared#start}.
     */
    public Prepared prepare(InferenceRequest request) {
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
                        m -> prepare(request, m, id, "", startNanos, tokens));
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

    /** A refusal a front end made before the request reached {@link #prepare} (authentication, parsing). */
    public void refused(Transport transport, String requestId, ApiException e) {
        listener.ended(new RequestOutcome.Refused(blankToNull(requestId), RequestOutcome.DEFAULT_TENANT, null, null,
                transport, e.status(), e.getMessage(), -1));
    }

    /**
     * @param why how the request came to this model, when no route brought it
     * @param tokens the prompt's ids with an instance's tokenizer (checked as {@link PromptTokenizer#tokenize} does)
     */
    private Prepared prepare(InferenceRequest request, ServedModel model, String id, String why, long startNanos,
                             Function<ServedModel.Instance, int[]> tokens) {
        if (!model.isReady()) {
            // a loading model will be there soon; a failed or unloaded one only after an operator acts
            throw ApiException.unavailable("model '" + model.name() + "' is " + model.state().name().toLowerCase()
                    + (model.error() != null ? ": " + model.error() : ""),
                    model.state() == ServedModel.State.LOADING ? 5 : 0);
        }
        ServedModel.Instance m = model.instance();
        int[] prompt = tokens.apply(m);
        prompts.checkLength(request.prompt(), prompt, model);
        GenerateRequest g = validator.engineRequest(request, id, prompt, m);
        // a seed the server made up would never repeat, so only greedy and client-seeded requests are cacheable
        boolean deterministic = g.sampling().isGreedy() || request.sampling().seed() != null;
        return new Prepared(model, g, deterministic ? cached : null, request, startNanos, listener, gate, why);
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * A validated request, ready to start. A routed request may move to a fallback model when its
     * start is refused; what it reports (model, tokenizer, route reason) is then the fallback's.
     */
    public static final class Prepared {
        // volatile: a fallback replaces them while transports may read them on their own threads
        private volatile ServedModel model;
        private volatile GenerateRequest request;
        private volatile CachedInference cached;
        private final InferenceRequest asked;
        private final long startNanos;
        private final RequestListener listener;
        private final AdmissionGate gate;
        private final String why;
        private RouteAttempts route;

        private Prepared(ServedModel model, GenerateRequest request, CachedInference cached, InferenceRequest asked,
                         long startNanos, RequestListener listener, AdmissionGate gate, String why) {
            this.model = model;
            this.request = request;
            this.cached = cached;
            this.asked = asked;
            this.startNanos = startNanos;
            this.listener = listener;
            this.gate = gate;
            this.why = why;
        }

        public void routedBy(RouteAttempts attempts) {
            route = attempts;
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

        private String routeOrNull() {
            return route != null ? route.route() : null;
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
         * Answers from the response cache or, past admission control, queues the request on the
         * least-loaded replica of its model; RESOURCE_EXHAUSTED with a reason and retry hint when it
         * is not admitted. A routed request refused for want of room (or of its model) moves on to
         * its next candidate, if it allows fallback.
         */
        public Admitted start(TokenSink sink) {
            String tenant = RequestOutcome.tenant(asked.tenant());
            while (true) {
                TokenSink measured = new MeasuredSink(sink, listener, requestId(), tenant, model(), routeOrNull(),
                        asked.transport(), startNanos);
                ApiException refusal;
                try {
                    ServedModel.Instance replica = model.leastLoaded();
                    RequestHandle handle = cached != null
                            ? cached.start(replica, request, measured, s -> submit(replica, s)) : submit(replica, measured);
                    if (route != null) {
                        route.served(model());
                    }
                    return new Admitted(requestId(), model(), route(), routeReason(), handle, promptTokens(), logprobs());
                } catch (ApiException e) {
                    refusal = e;
                }
                if (route != null && RouteAttempts.cannotAdmit(refusal)) {
                    try {
                        Prepared next = route.next(refusal);
                        model = next.model;
                        request = next.request;
                        cached = next.cached;
                        continue;
                    } catch (ApiException rejection) {
                        refusal = rejection;
                    }
                }
                listener.ended(new RequestOutcome.Refused(requestId(), tenant, model(), routeOrNull(), asked.transport(),
                        refusal.status(), refusal.getMessage(), System.nanoTime() - startNanos));
                throw refusal;
            }
        }

        private RequestHandle submit(ServedModel.Instance replica, TokenSink sink) {
            TokenSink tracked = replica.track(sink);
            try {
                return gate.submit(replica.admission(), request, asked.tenant(), tracked,
                        s -> submitToEngine(replica, s));
            } catch (RuntimeException e) {
                replica.untrack();
                throw e;
            }
        }

        private RequestHandle submitToEngine(ServedModel.Instance replica, TokenSink sink) {
            try {
                return replica.engine().submit(request, sink);
            } catch (EngineOverloadedException e) {
                throw ApiException.exhausted(e.getMessage(), RETRY_AFTER_SECONDS);
            } catch (IllegalStateException e) {
                throw ApiException.unavailable(e.getMessage());
            } catch (InvalidRequestException e) {
                throw ApiException.invalid(e.field(), e.getMessage());
            }
        }
    }
}
