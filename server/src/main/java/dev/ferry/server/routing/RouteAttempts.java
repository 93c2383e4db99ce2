package dev.ferry.server.routing;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import dev.ferry.server.routing.RouteStats.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * One routed request's way through its decision: the chosen model first, then, if the request
 * allows fallback, each next candidate while the ones before cannot take it (not ready, or refused
 * with RESOURCE_EXHAUSTED or UNAVAILABLE, as a full queue or admission control refuses). Keeps the
 * reason the answer reports and counts the outcome once.
 */
public final class RouteAttempts<P> {
    private final RouteDecision decision;
    private final RouteInput input;
    private final boolean allowFallback;
    private final List<String> order;
    private final ModelRegistry registry;
    private final RouteStats stats;
    private final BiFunction<ServedModel, RouteAttempts<P>, P> prepare;
    /** What kept each candidate tried so far from taking the request, in order. */
    private final List<String> passedOver = new ArrayList<>();
    private ApiException firstRefusal;
    private int at = -1;

    /**
     * @param prepare validates and tokenizes the request for one candidate, remembering these
     *     attempts so that a refusal at start can come back to {@link #next}
     */
    RouteAttempts(RouteDecision decision, RouteInput input, boolean allowFallback, ModelRegistry registry,
                  RouteStats stats, BiFunction<ServedModel, RouteAttempts<P>, P> prepare) {
        this.decision = decision;
        this.input = input;
        this.allowFallback = allowFallback;
        this.order = allowFallback ? decision.order() : List.of(decision.chosen());
        this.registry = registry;
        this.stats = stats;
        this.prepare = prepare;
    }

    /** Whether a refusal means "not here, not now" rather than "not like this". */
    public static boolean cannotAdmit(ApiException e) {
        return e.status() == ApiStatus.RESOURCE_EXHAUSTED || e.status() == ApiStatus.UNAVAILABLE;
    }

    public String route() {
        return decision.route();
    }

    /** What the route decided on. */
    public RouteInput input() {
        return input;
    }

    /** The decision's reason and, after a fallback, why each model before the serving one was passed over. */
    public String reason(String served) {
        StringBuilder sb = new StringBuilder(decision.reason());
        for (String p : passedOver) {
            sb.append(" -> ").append(p);
        }
        return sb.append(" -> ").append(served.equals(decision.chosen()) ? "" : "fell back to ").append(served)
                .toString();
    }

    /**
     * The request prepared for the next candidate that can take it, after {@code refusal} from the
     * current one (null at the start). A bad request for the chosen model is the client's to fix and
     * is thrown as it is; when no candidate is left, the rejection names the route and every reason.
     */
    public P next(ApiException refusal) {
        if (refusal != null) {
            passOver(refused(order.get(at), refusal), refusal);
        }
        while (++at < order.size()) {
            String name = order.get(at);
            ServedModel m = registry.find(name);
            if (m == null || !m.isReady()) {
                String note = name + " is " + (m == null ? "not in the model store" : m.state().name().toLowerCase(Locale.ROOT));
                passOver(note, ApiException.unavailable(note));
                continue;
            }
            try {
                return prepare.apply(m, this);
            } catch (ApiException e) {
                if (at == 0 && !cannotAdmit(e)) {
                    throw e;
                }
                passOver(refused(name, e), e);
            }
        }
        stats.record(decision.route(), decision.chosen(), Outcome.REJECTED);
        throw rejection();
    }

    /** Counts who served; called once, when a candidate took the request. */
    public void served(String model) {
        stats.record(decision.route(), model, model.equals(decision.chosen()) ? Outcome.CHOSEN : Outcome.FALLBACK);
    }

    private void passOver(String note, ApiException why) {
        if (firstRefusal == null) { // the chosen model's, which is always a "cannot admit"
            firstRefusal = why;
        }
        passedOver.add(note);
    }

    private static String refused(String name, ApiException e) {
        return name + " could not take it (" + e.status().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage() + ")";
    }

    private ApiException rejection() {
        String message = "route '" + decision.route() + "' chose " + decision.chosen() + " (" + decision.reason() + "); "
                + String.join("; ", passedOver)
                + (allowFallback || decision.fallbacks().isEmpty() ? "; no candidate is left"
                : "; the request does not allow fallback to " + String.join(", ", decision.fallbacks()));
        return firstRefusal.status() == ApiStatus.RESOURCE_EXHAUSTED
                ? ApiException.exhausted(message, firstRefusal.retryAfterSeconds())
                : ApiException.unavailable(message);
    }
}
