package dev.ferry.server.grpc;

import dev.ferry.server.api.InferenceRequest;
import io.grpc.Context;
import io.grpc.Metadata;

/**
 * Who a call is for, as far as the transport knows: the tenant its API key is bound to, and the
 * {@code x-ferry-tenant} metadata. Set by {@link AuthInterceptor} in the call's context.
 */
final class CallTenant {
    static final Metadata.Key<String> HEADER = Metadata.Key.of(InferenceRequest.TENANT_HEADER,
            Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> OF_KEY = Context.key("ferry.keyTenant");
    static final Context.Key<String> OF_HEADER = Context.key("ferry.headerTenant");

    private CallTenant() {
    }
}
