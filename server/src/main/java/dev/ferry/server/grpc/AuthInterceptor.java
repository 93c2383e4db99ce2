package dev.ferry.server.grpc;

import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Transport;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.Inference;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Set;

/**
 * Checks {@code authorization: Bearer KEY} on Ferry's own services; Models.Load and Models.Unload
 * need an admin key. Health and reflection stay open for probes and tooling. Refusals are counted.
 */
final class AuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> ADMIN_METHODS = Set.of(ModelsGrpc.getLoadMethod().getFullMethodName(),
            ModelsGrpc.getUnloadMethod().getFullMethodName());

    private final ApiKeys keys;
    private final Inference refusals;

    AuthInterceptor(ApiKeys keys, Inference refusals) {
        this.keys = keys;
        this.refusals = refusals;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String keyTenant;
        try {
            keyTenant = keys.check(headers.get(AUTHORIZATION),
                    ADMIN_METHODS.contains(call.getMethodDescriptor().getFullMethodName()));
        } catch (ApiException e) {
            refusals.refused(Transport.GRPC, null, e);
            var status = GrpcStatuses.of(e);
            call.close(status.getStatus(), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context context = Context.current().withValues(CallTenant.OF_KEY, keyTenant,
                CallTenant.OF_HEADER, headers.get(CallTenant.HEADER));
        return Contexts.interceptCall(context, call, headers, next);
    }
}
