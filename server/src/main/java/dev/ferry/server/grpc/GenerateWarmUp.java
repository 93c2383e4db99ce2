package dev.ferry.server.grpc;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.Priority;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.server.net.UntilJitQuiet;
import dev.ferry.server.net.WarmUpRequests;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * The gRPC side of the generation warm-up (the HTTP side is {@code dev.ferry.server.http.GenerationWarmUp},
 * which runs first and compiles the engine's steps): short streamed Generate calls to a model over
 * loopback, so that the Generate call's own path (its parse, the response stream's messages and
 * trailers) is compiled before a first burst, until the JIT has gone quiet. Real requests like the
 * HTTP side's (see {@link WarmUpRequests}): batch priority, their own tenant, sampled without a seed,
 * counted in the metrics.
 */
final class GenerateWarmUp {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    /** How many calls were made, how many completed, and whether the JIT went quiet in time. */
    record Outcome(int calls, int completed, boolean settled) {}

    private GenerateWarmUp() {}

    /**
     * @param apiKey a key the server accepts, or null when it is open
     * @param maxNumSeqs the model's sequences in a batch at most (see {@link WarmUpRequests#inFlight})
     */
    static Outcome run(InetSocketAddress server, String apiKey, String model, int maxNumSeqs, Duration limit)
            throws InterruptedException {
        int inFlight = WarmUpRequests.inFlight(maxNumSeqs);
        ManagedChannel channel = NettyChannelBuilder.forAddress(server).usePlaintext().directExecutor().build();
        try {
            InferenceGrpc.InferenceStub stub = InferenceGrpc.newStub(channel);
            if (apiKey != null) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + apiKey);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            GenerateRequest request = GenerateRequest.newBuilder().setModel(model)
                    .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.of(WarmUpRequests.promptIds()).boxed().toList()))
                    .setMaxTokens(WarmUpRequests.OUTPUT_TOKENS).setIgnoreEos(true).setPriority(Priority.PRIORITY_BATCH)
                    .setTenant(WarmUpRequests.TENANT).setSampling(SamplingParams.newBuilder().setTemperature(1.0f)).build();
            UntilJitQuiet more = WarmUpRequests.more(inFlight, limit);
            Semaphore slots = new Semaphore(inFlight);
            AtomicInteger completed = new AtomicInteger();
            AtomicBoolean failed = new AtomicBoolean();
            int calls = 0;
            while (!failed.get() && more.getAsBoolean()) {
                slots.acquire();
                calls++;
                stub.generate(request, new StreamObserver<GenerateResponse>() {
                    @Override
                    public void onNext(GenerateResponse r) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.set(true); // another path than the one to run (an unknown model, a refusal): stop
                        slots.release();
                    }

                    @Override
                    public void onCompleted() {
                        completed.incrementAndGet();
                        slots.release();
                    }
                });
            }
            slots.tryAcquire(inFlight, 60, TimeUnit.SECONDS); // the last calls' ends
            return new Outcome(calls, completed.get(), more.settled());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
