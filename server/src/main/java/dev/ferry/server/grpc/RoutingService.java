package dev.ferry.server.grpc;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.RouteResponse;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.server.affinity.PrefixRouter;
import dev.ferry.server.api.ApiException;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;

/** {@code ferry.v1.Routing}: a request's prefix key over gRPC (see {@link PrefixRouter}). */
final class RoutingService extends RoutingGrpc.RoutingImplBase {
    private final PrefixRouter router;

    RoutingService(PrefixRouter router) {
        this.router = router;
    }

    @Override
    public void route(GenerateRequest request, StreamObserver<RouteResponse> observer) {
        PrefixRouter.Route r;
        try {
            r = router.route(ProtoRequests.toInference(request, Context.current().getDeadline()));
        } catch (ApiException e) {
            observer.onError(GrpcStatuses.of(e));
            return;
        }
        observer.onNext(RouteResponse.newBuilder().setPrefixKey(r.prefixKey()).setModel(r.model())
                .setBlockSize(r.blockSize()).setKeyTokens(r.keyTokens()).build());
        observer.onCompleted();
    }
}
