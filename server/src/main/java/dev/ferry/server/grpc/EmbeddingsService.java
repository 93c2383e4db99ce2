package dev.ferry.server.grpc;

import dev.ferry.api.v1.EmbedInput;
import dev.ferry.api.v1.EmbedRequest;
import dev.ferry.api.v1.EmbedResponse;
import dev.ferry.api.v1.Embedding;
import dev.ferry.api.v1.EmbeddingsGrpc;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.EmbeddingInput;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.embed.EmbeddingResult;
import dev.ferry.server.embed.Embeddings;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code ferry.v1.Embeddings}: the embeddings door ({@link Embeddings}) over gRPC, one unary call per batch of inputs. */
final class EmbeddingsService extends EmbeddingsGrpc.EmbeddingsImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingsService.class);

    private final Embeddings embeddings;

    EmbeddingsService(Embeddings embeddings) {
        this.embeddings = embeddings;
    }

    @Override
    public void embed(EmbedRequest request, StreamObserver<EmbedResponse> observer) {
        CacheTrailer.Outcome cache = CacheTrailer.current(); // read here: the answer comes on another thread
        try {
            embeddings.embed(new EmbeddingRequest(request.getModel(), inputs(request),
                    request.hasDimensions() ? request.getDimensions() : null, request.getTruncate()))
                    .whenComplete((result, e) -> {
                        if (e != null) {
                            observer.onError(failure(e));
                            return;
                        }
                        if (cache != null) {
                            cache.handOver(CompletableFuture.completedStage(result.cache()));
                        }
                        observer.onNext(response(result));
                        observer.onCompleted();
                    });
        } catch (ApiException e) {
            observer.onError(GrpcStatuses.of(e));
        }
    }

    private static List<EmbeddingInput> inputs(EmbedRequest request) {
        List<EmbeddingInput> out = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            EmbedInput in = request.getInputs(i);
            out.add(switch (in.getInputCase()) {
                case TEXT -> new EmbeddingInput.Text(in.getText());
                case TOKEN_IDS -> new EmbeddingInput.Ids(in.getTokenIds().getIdsList().stream()
                        .mapToInt(Integer::intValue).toArray());
                case INPUT_NOT_SET -> throw ApiException.invalid("input", "input[" + i + "]: set text or token_ids");
            });
        }
        return out;
    }

    private static EmbedResponse response(EmbeddingResult result) {
        EmbedResponse.Builder b = EmbedResponse.newBuilder().setModel(result.model())
                .setPromptTokens(result.promptTokens()).setCachedInputs(result.cachedInputs());
        for (float[] v : result.vectors()) {
            Embedding.Builder e = Embedding.newBuilder();
            for (float x : v) {
                e.addValues(x);
            }
            b.addEmbeddings(e);
        }
        return b.build();
    }

    private static Throwable failure(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiException api) {
            return GrpcStatuses.of(api);
        }
        LOG.error("Embed failed", cause);
        return Status.INTERNAL.withDescription("embedding failed: " + cause.getMessage()).asRuntimeException();
    }
}
