package dev.ferry.bench.load;

import dev.ferry.api.v1.Finish;
import dev.ferry.api.v1.FinishReason;
import dev.ferry.api.v1.GenerateRequest;
import dev.ferry.api.v1.GenerateResponse;
import dev.ferry.api.v1.InferenceGrpc;
import dev.ferry.api.v1.SamplingParams;
import dev.ferry.api.v1.TokenIds;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * {@code Inference/Generate} streams on one HTTP/2 channel through the async stub. Callbacks run
 * on the channel's event loop (direct executor): they only take a timestamp and count tokens.
 */
final class GrpcLoadClient implements LoadClient {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final InferenceGrpc.InferenceStub stub;
    private final String model;
    private final float temperature;

    GrpcLoadClient(String host, int port, String model, float temperature, String apiKey) {
        this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor().build();
        InferenceGrpc.InferenceStub s = InferenceGrpc.newStub(channel);
        if (apiKey != null) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + apiKey);
            s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.stub = s;
        this.model = model;
        this.temperature = temperature;
    }

    @Override
    public Prepared prepare(BenchRequest r) {
        TokenIds.Builder ids = TokenIds.newBuilder();
        for (int id : r.promptIds()) {
            ids.addIds(id);
        }
        GenerateRequest request = GenerateRequest.newBuilder().setModel(model).setTokenIds(ids)
                .setMaxTokens(r.outputTokens()).setIgnoreEos(true)
                .setSampling(SamplingParams.newBuilder().setTemperature(temperature)).build();
        return new Prepared(r, t -> stub.generate(request, new Observer(t)));
    }

    /** Connects the channel and has the server answer a health check on it: all calls share that one connection. */
    @Override
    public void preconnect(int requests) {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
    }

    @Override
    public void close() {
        try {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One stream's events, in order, on one thread at a time (gRPC's guarantee). */
    private static final class Observer implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
        private final RequestTimeline timeline;
        private Finish finish;

        Observer(RequestTimeline timeline) {
            this.timeline = timeline;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<GenerateRequest> call) {
            timeline.cancelWith(() -> call.cancel("the load generator stopped waiting", null));
        }

        @Override
        public void onNext(GenerateResponse r) {
            timeline.output(r.getTokenIdsCount(), System.nanoTime());
            if (r.hasFinish()) {
                finish = r.getFinish();
            }
        }

        @Override
        public void onError(Throwable t) {
            long now = System.nanoTime();
            Status.Code code = Status.fromThrowable(t).getCode();
            if (code == Status.Code.RESOURCE_EXHAUSTED) {
                timeline.rejected(code.name(), now);
            } else {
                timeline.failed(code.name(), now);
            }
        }

        @Override
        public void onCompleted() {
            long now = System.nanoTime();
            if (finish == null) {
                timeline.failed("NO_FINISH", now);
            } else if (finish.getReason() == FinishReason.FINISH_REASON_LENGTH
                    || finish.getReason() == FinishReason.FINISH_REASON_STOP) {
                timeline.finished(finish.getUsage().getCompletionTokens(), now);
            } else {
                timeline.failed(finish.getReason().name(), now);
            }
        }
    }
}
