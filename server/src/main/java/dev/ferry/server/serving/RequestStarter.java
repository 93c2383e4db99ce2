package dev.ferry.server.serving;

import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.RequestHandle;
import dev.ferry.engine.api.TokenSink;
import dev.ferry.server.admission.AdmissionGate;
import dev.ferry.server.api.Admitted;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.CacheOutcome;
import dev.ferry.server.api.RequestListener;
import dev.ferry.server.cache.CachedInference;
import dev.ferry.server.cache.ResponseRecording;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteAttempts;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Starts prepared requests: each through its {@link TrackingSink}, from the response cache when it
 * is cacheable, else past admission control on its model's least-loaded replica into that replica's
 * engine; a routed request refused for want of room tries its next candidate.
 */
final class RequestStarter {
    private static final int RETRY_AFTER_SECONDS = 1;

    private final AdmissionGate gate;
    private final CachedInference cached;
    private final RequestListener listener;
    private final ShadowRuns shadows;

    /**
     * @param cached answers cacheable requests seen before; null for none
     * @param shadows scores picked answers of complexity routes' small tiers on their large tiers
     */
    RequestStarter(AdmissionGate gate, CachedInference cached, RequestListener listener, ShadowRuns shadows) {
        this.gate = gate;
        this.cached = cached;
        this.listener = listener;
        this.shadows = shadows;
    }

    /** See {@link PreparedRequest#start(List)}. */
    Admitted start(PreparedRequest prepared, List<? extends TokenSink> choices) {
        if (choices.size() != prepared.choices()) {
            throw new IllegalArgumentException("the request asks for " + prepared.choices() + " choices, not "
                    + choices.size());
        }
        TrackingSink tracking = new TrackingSink(choices, listener, prepared);
        RouteAttempts<PreparedRequest> route = prepared.routeAttempts();
        while (true) {
            ApiException refusal;
            try {
                CachedInference.Started started = attempt(prepared, tracking);
                if (route != null) {
                    route.served(prepared.model());
                }
                return new Admitted(prepared.requestId(), prepared.model(), prepared.route(), prepared.routeReason(),
                        started.handle(), prepared.promptTokens(), prepared.logprobs(), started.outcome());
            } catch (ApiException e) {
                refusal = e;
            }
            if (route != null && RouteAttempts.cannotAdmit(refusal)) {
                try {
                    prepared.fallBackTo(route.next(refusal));
                    continue;
                } catch (ApiException rejection) {
                    refusal = rejection;
                }
            }
            tracking.refused(refusal);
            throw refusal;
        }
    }

    /** One try on the request's current model. */
    private CachedInference.Started attempt(PreparedRequest prepared, TrackingSink tracking) {
        ServedModel.Instance replica = prepared.servedModel().leastLoaded();
        GenerateRequest request = prepared.engineRequest();
        String tenant = prepared.tenant();
        if (cached != null && prepared.cacheable()) { // one choice: a cacheable request has no more
            return cached.start(replica, request, tracking.choices().get(0), tracking::cacheOutcome,
                    recording -> run(prepared, replica, tenant, tracking, recording));
        }
        CacheOutcome outcome = cached == null ? CacheOutcome.OFF : CacheOutcome.MISS;
        tracking.cacheOutcome(outcome);
        return new CachedInference.Started(run(prepared, replica, tenant, tracking, null),
                CompletableFuture.completedStage(outcome));
    }

    /** @param recording keeps the answer for the response cache; null when it is not to be cached */
    private RequestHandle run(PreparedRequest prepared, ServedModel.Instance replica, String tenant,
                              TrackingSink tracking, ResponseRecording recording) {
        GenerateRequest request = prepared.engineRequest();
        List<TokenSink> choices = tracking.choices();
        AdmissionGate.Pass pass = gate.admit(replica.admission(), request, choices.size(), tenant);
        tracking.runsOn(replica, pass, recording, shadows.tap(prepared, prepared.prompt()));
        try {
            return replica.engine().submit(request, choices);
        } catch (RuntimeException e) {
            tracking.notRun();
            throw refusal(e);
        }
    }

    /** The engine's refusals as the API answers them. */
    private static RuntimeException refusal(RuntimeException e) {
        return ApiException.ofEngineRefusal(e, RETRY_AFTER_SECONDS);
    }
}
