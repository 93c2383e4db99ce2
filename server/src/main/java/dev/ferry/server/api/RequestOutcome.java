package dev.ferry.server.api;

import dev.ferry.engine.api.Finish;

/** How one request ended: refused at the edge, or finished by its engine or from the response cache. */
public sealed interface RequestOutcome {
    /** The tenant of a request that names none. */
    String DEFAULT_TENANT = "default";

    /** The client's id, or the one made up for it; null for a refusal before one was read. */
    String requestId();

    /** Who the request was for; {@link #DEFAULT_TENANT} when it named nobody. */
    String tenant();

    /** The model that served or refused it (after alias resolution); null when unknown. */
    String model();

    /** The route the request named; null when it named a model or an alias. */
    String route();

    /** How it came; null for a request made inside the process. */
    Transport transport();

    /**
     * @param ttftNanos from the start of validation to the first token; -1 when no token came
     * @param e2eNanos from the start of validation to the finish
     * @param cache the response cache level that answered it, {@link CacheOutcome#MISS} when the engine did,
     *     {@link CacheOutcome#OFF} without a response cache; null when not known
     */
    record Finished(String requestId, String tenant, String model, String route, Transport transport, Finish finish,
                    long ttftNanos, long e2eNanos, CacheOutcome cache) implements RequestOutcome {}

    /** @param refusalNanos from the start of validation to the refusal; -1 for one made before validation began */
    record Refused(String requestId, String tenant, String model, String route, Transport transport, ApiStatus status,
                   String message, long refusalNanos) implements RequestOutcome {}

    /** {@code asked}, or {@link #DEFAULT_TENANT} when it is null or blank. */
    static String tenant(String asked) {
        return asked == null || asked.isBlank() ? DEFAULT_TENANT : asked;
    }
}
