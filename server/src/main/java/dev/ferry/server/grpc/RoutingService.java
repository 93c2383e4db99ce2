package dev.ferry.server.grpc;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.ListRoutesRequest;
import dev.ferry.api.v1.ListRoutesResponse;
import dev.ferry.api.v1.RouteResponse;
import dev.ferry.api.v1.RouteState;
import dev.ferry.api.v1.RoutingGrpc;
import dev.ferry.server.affinity.PrefixRouter;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.routing.RouteReport;
import dev.ferry.server.routing.Routing;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.Locale;

/**
 * {@code ferry.v1.Routing}: a request's prefix key over gRPC (see {@link PrefixRouter}), and the
 * routes' state (see {@link Routing#reports()}).
 */
final class RoutingService extends RoutingGrpc.RoutingImplBase {
    private final PrefixRouter router;
    private final Routing routing;

    RoutingService(PrefixRouter router, Routing routing) {
        this.router = router;
        this.routing = routing;
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

    @Override
    public void listRoutes(ListRoutesRequest request, StreamObserver<ListRoutesResponse> observer) {
        ListRoutesResponse.Builder response = ListRoutesResponse.newBuilder();
        routing.reports().forEach(r -> response.addRoutes(state(r)));
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private static RouteState state(RouteReport r) {
        RouteState.Builder b = RouteState.newBuilder().setRoute(r.route())
                .setPolicy(r.policy().name().toLowerCase(Locale.ROOT)).addAllCandidates(r.candidates())
                .setShadowsSeen(r.shadowsSeen()).setTrainedOn(r.trainedOn()).setMinShadows(r.minShadows())
                .setTargetAgreement(r.targetAgreement());
        if (r.scorer() != null) {
            b.setScorer(r.scorer());
        }
        if (r.threshold() != null) {
            b.setThreshold(r.threshold());
        }
        if (r.fractionSmall() != null) {
            b.setFractionSmall(r.fractionSmall());
        }
        if (r.estimatedAgreement() != null) {
            b.setEstimatedAgreement(r.estimatedAgreement());
        }
        if (r.costSaved() != null) {
            b.setCostSaved(r.costSaved());
        }
        return b.build();
    }
}
