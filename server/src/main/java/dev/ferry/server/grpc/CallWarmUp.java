package dev.ferry.server.grpc;

import dev.ferry.server.net.Loopback;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs gRPC's transport through the JIT before a first burst: health checks to the server's own
 * port over loopback, through the event loops, the HTTP/2 codec, the call executor and the
 * trailers a refused Generate call passes too. On the shared 2-vCPU test machine the event loops
 * spent 200-210 ms of CPU on a server's first two bursts of 300 Generate calls (all but 8 refused)
 * after the start-up warm-up and 580 ms without, and the second burst was refused at p99 68-119 ms
 * instead of 177-232 ms. Health checks are counted nowhere.
 */
final class CallWarmUp {
    /** Like the HTTP refusal path's warm-up: what C2 needs to compile a method called once per call. */
    static final int CALLS = 5_000;
    /** Calls in flight at once, so that several arrive per read as in a burst. */
    private static final int IN_FLIGHT = 100;

    private CallWarmUp() {}

    /** @return how many of the {@code calls} were answered */
    static int run(InetSocketAddress server, int calls) throws InterruptedException {
        InetSocketAddress target = Loopback.reach(server);
        ManagedChannel channel = NettyChannelBuilder.forAddress(target).usePlaintext().directExecutor().build();
        try {
            HealthGrpc.HealthStub health = HealthGrpc.newStub(channel);
            Semaphore slots = new Semaphore(IN_FLIGHT);
            AtomicInteger answered = new AtomicInteger();
            for (int i = 0; i < calls; i++) {
                slots.acquire();
                health.check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<HealthCheckResponse>() {
                    @Override
                    public void onNext(HealthCheckResponse r) {
                        answered.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        slots.release();
                    }

                    @Override
                    public void onCompleted() {
                        slots.release();
                    }
                });
            }
            slots.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS); // the last calls' answers
            return answered.get();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
