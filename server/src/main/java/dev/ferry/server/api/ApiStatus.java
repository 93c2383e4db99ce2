package dev.ferry.server.api;

/**
 * Why a request was refused, in terms both transports map from: each value names its gRPC status
 * code and carries the HTTP status and OpenAI error type the HTTP API answers with.
 */
public enum ApiStatus {
    INVALID_ARGUMENT(400, "invalid_request_error"),
    UNAUTHENTICATED(401, "authentication_error"),
    PERMISSION_DENIED(403, "permission_error"),
    NOT_FOUND(404, "not_found_error"),
    RESOURCE_EXHAUSTED(429, "rate_limit_exceeded"),
    INTERNAL(500, "server_error"),
    UNAVAILABLE(503, "service_unavailable"),
    DEADLINE_EXCEEDED(504, "timeout");

    private final int httpStatus;
    private final String openAiType;

    ApiStatus(int httpStatus, String openAiType) {
        this.httpStatus = httpStatus;
        this.openAiType = openAiType;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String openAiType() {
        return openAiType;
    }
}
