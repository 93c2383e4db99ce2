package dev.ferry.server.grpc;

import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.Priority;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import dev.ferry.server.net.UntilJitQuiet;
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
 * HTTP side's: batch priority, tenant {@value #TENANT}, sampled without a seed, counted in the metrics.
 */
final class GenerateWarmUp {
    static final String TENANT = "ferry-warm-up";
    private static final int MAX_IN_FLIGHT = 4;
    private static final int PROMPT_TOKENS = 32;
    private static final int OUTPUT_TOKENS = 16;
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    /** How many calls were made, how many completed, and whether the JIT went quiet in time. */
    record Outcome(int calls, int completed, boolean settled) {}

    private GenerateWarmUp() {}

    /**
     * @param apiKey a key the server accepts, or null when it is open
     * @param maxNumSeqs the model's sequences in a batch at most: the warm-up takes half of them at most
     */
    static Outcome run(InetSocketAddress server, String apiKey, String model, int maxNumSeqs, Duration limit)
            throws InterruptedException {
        int inFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, maxNumSeqs / 2));
        ManagedChannel channel = NettyChannelBuilder.forAddress(server).usePlaintext().directExecutor().build();
        try {
            InferenceGrpc.InferenceStub stub = InferenceGrpc.newStub(channel);
            if (apiKey != null) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + apiKey);
                stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            GenerateRequest request = GenerateRequest.newBuilder().setModel(model)
                    .setTokenIds(TokenIds.newBuilder().addAllIds(IntStream.range(0, PROMPT_TOKENS)
                            .map(i -> 1 + i * 7 % 64).boxed().toList()))
                    .setMaxTokens(OUTPUT_TOKENS).setIgnoreEos(true).setPriority(Priority.PRIORITY_BATCH)
                    .setTenant(TENANT).setSampling(SamplingParams.newBuilder().setTemperature(1.0f)).build();
            UntilJitQuiet more = new UntilJitQuiet(2 * inFlight, limit);
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
