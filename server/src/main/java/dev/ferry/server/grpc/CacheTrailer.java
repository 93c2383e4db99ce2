package dev.ferry.server.grpc;

import dev.ferry.server.api.CacheOutcome;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.CompletionStage;

/**
 * Says in an Inference or Embeddings call's trailers which cache level answered it ({@code
 * x-ferry-cache: l1|l2|l3|miss}; for embeddings the deepest level that answered an input, or miss
 * when the encoder ran), as HTTP says it in a header. The service hands over the request's outcome when
 * the request starts; a cached answer may be replayed, and its call closed, before that hand-over
 * (or before a Redis or database lookup's outcome is told), so a close that comes first waits for it.
 */
final class CacheTrailer implements ServerInterceptor {
    static final Metadata.Key<String> KEY = Metadata.Key.of("x-ferry-cache", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Outcome> OUTCOME = Context.key("ferry-cache-outcome");

    /** One call's outcome, and its close while the outcome is still to come. Guarded by itself. */
    static final class Outcome {
        private ServerCall<?, ?> call;
        private boolean started;
        private CacheOutcome value;
        private Status heldStatus;
        private Metadata heldTrailers;

        /** The request is about to start: from now on the call's close waits for its outcome. */
        synchronized void starting() {
            started = true;
        }

        /** The started request's outcome (OFF when it was refused), told when it is known. */
        void handOver(CompletionStage<CacheOutcome> outcome) {
            outcome.thenAccept(this::known);
        }

        private void known(CacheOutcome o) {
            Status status;
            Metadata trailers;
            synchronized (this) {
                value = o;
                status = heldStatus;
                trailers = heldTrailers;
            }
            if (status != null) {
                write(o, trailers);
                call.close(status, trailers);
            }
        }

        /** True when the close goes ahead now; false when it is held for the outcome. */
        private synchronized boolean closing(Status status, Metadata trailers) {
            if (started && value == null) {
                heldStatus = status;
                heldTrailers = trailers;
                return false;
            }
            write(value, trailers);
            return true;
        }

        private static void write(CacheOutcome o, Metadata trailers) {
            if (o != null && o != CacheOutcome.OFF) {
                trailers.put(KEY, o.header());
            }
        }
    }

    /** The current call's outcome holder; null outside a call this interceptor saw. */
    static Outcome current() {
        return OUTCOME.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Outcome outcome = new Outcome();
        ServerCall<Q, R> wrapped = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (outcome.closing(status, trailers)) {
                    super.close(status, trailers);
                }
            }
        };
        outcome.call = call;
        return Contexts.interceptCall(Context.current().withValue(OUTCOME, outcome), wrapped, headers, next);
    }
}
