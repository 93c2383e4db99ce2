package dev.ferry.server.grpc;

import dev.ferry.server.api.ApiException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps refusals of the serving core to gRPC statuses; a retry hint travels as {@code retry-after} trailer (seconds). */
final class GrpcStatuses {
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcStatuses() {
    }

    static StatusRuntimeException of(ApiException e) {
        Status status = Status.fromCode(Status.Code.valueOf(e.status().name())).withDescription(e.getMessage());
        Metadata trailers = new Metadata();
        if (e.retryAfterSeconds() > 0) {
            trailers.put(RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        return new Refusal(status, trailers);
    }

    /**
     * A refusal is an answer, not a bug: without a stack trace, like {@link ApiException}, since a
     * burst of refusals would otherwise walk a deep call stack for each.
     */
    private static final class Refusal extends StatusRuntimeException {
        Refusal(Status status, Metadata trailers) {
            super(status, trailers);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
