package dev.ferry.server.api;

import dev.ferry.engine.api.EngineOverloadedException;
import dev.ferry.engine.api.InvalidRequestException;

/**
 * A request refused at the edge, with the status to answer and, for bad input, the field at fault
 * (as the API spells it). The message always names the field when there is one.
 */
public final class ApiException extends RuntimeException {
    private final ApiStatus status;
    private final String field;
    private final int retryAfterSeconds;

    private ApiException(ApiStatus status, String field, String message, int retryAfterSeconds) {
        // an answer, not a bug: no stack trace, whose walk over the event loop's deep stack was 4% of
        // the loop's time in a burst of refusals
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Bad input: the message starts with the field's name (prefixed unless {@code problem} starts with it). */
    public static ApiException invalid(String field, String problem) {
        String message = problem.startsWith(field) ? problem : field + ": " + problem;
        return new ApiException(ApiStatus.INVALID_ARGUMENT, field, message, 0);
    }

    /** The engine's refusal of a field, as the API answers it. */
    public static ApiException invalid(InvalidRequestException e) {
        return invalid(e.field(), e.getMessage());
    }

    /**
     * An engine's refusal as the API answers it: overload is shed load, a bad field is bad input, a
     * stopped engine is unavailable; anything else is a bug and goes on as it is.
     */
    public static RuntimeException ofEngineRefusal(RuntimeException e, int retryAfterSeconds) {
        if (e instanceof EngineOverloadedException) {
            return exhausted(e.getMessage(), retryAfterSeconds);
        }
        if (e instanceof InvalidRequestException invalid) {
            return invalid(invalid);
        }
        if (e instanceof IllegalStateException) { // shutting down, or stopped after an internal error
            return unavailable(e.getMessage());
        }
        return e;
    }

    public static ApiException notFound(String message) {
        return new ApiException(ApiStatus.NOT_FOUND, null, message, 0);
    }

    /** Shed load; the client may retry after the hint. */
    public static ApiException exhausted(String message, int retryAfterSeconds) {
        return new ApiException(ApiStatus.RESOURCE_EXHAUSTED, null, message, retryAfterSeconds);
    }

    /** Not serving now; a retry (here or on another instance) may succeed soon. */
    public static ApiException unavailable(String message) {
        return unavailable(message, 1);
    }

    /** @param retryAfterSeconds 0 when waiting will not help (a model that failed to load) */
    public static ApiException unavailable(String message, int retryAfterSeconds) {
        return new ApiException(ApiStatus.UNAVAILABLE, null, message, retryAfterSeconds);
    }

    public static ApiException of(ApiStatus status, String message) {
        return new ApiException(status, null, message, 0);
    }

    public ApiStatus status() {
        return status;
    }

    /** The offending field, or null. */
    public String field() {
        return field;
    }

    /** Seconds after which a retry may succeed; 0 when no hint applies. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
