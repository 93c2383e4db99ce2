package dev.ferry.server.grpc;

import dev.ferry.api.v1.GetModelRequest;
import dev.ferry.api.v1.ListModelsRequest;
import dev.ferry.api.v1.ListModelsResponse;
import dev.ferry.api.v1.LoadModelRequest;
import dev.ferry.api.v1.ModelInfo;
import dev.ferry.api.v1.ModelLimits;
import dev.ferry.api.v1.ModelState;
import dev.ferry.api.v1.ModelsGrpc;
import dev.ferry.api.v1.UnloadModelRequest;
import dev.ferry.engine.LoadedEncoder;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.models.ModelRegistry;
import dev.ferry.server.models.ServedModel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@code ferry.v1.Models}. Load and Unload take seconds (weights, KV allocation, draining), so they
 * run on {@code adminExecutor}, never on a transport thread.
 */
final class ModelsService extends ModelsGrpc.ModelsImplBase {
    private final ModelRegistry registry;
    private final Executor adminExecutor;

    ModelsService(ModelRegistry registry, Executor adminExecutor) {
        this.registry = registry;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public void list(ListModelsRequest request, StreamObserver<ListModelsResponse> observer) {
        answer(observer, () -> ListModelsResponse.newBuilder()
                .addAllModels(registry.list().stream().map(ModelsService::info).toList()).build());
    }

    @Override
    public void get(GetModelRequest request, StreamObserver<ModelInfo> observer) {
        answer(observer, () -> info(registry.resolve(required(request.getName()))));
    }

    @Override
    public void load(LoadModelRequest request, StreamObserver<ModelInfo> observer) {
        adminExecutor.execute(() -> answer(observer, () -> info(registry.load(required(request.getName())))));
    }

    @Override
    public void unload(UnloadModelRequest request, StreamObserver<ModelInfo> observer) {
        adminExecutor.execute(() -> answer(observer, () -> info(registry.unload(required(request.getName())))));
    }

    private static String required(String name) {
        if (name.isEmpty()) {
            throw ApiException.invalid("name", "is required");
        }
        return name;
    }

    private static <T> void answer(StreamObserver<T> observer, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (ApiException e) {
            observer.onError(GrpcStatuses.of(e));
            return;
        }
        observer.onNext(value);
        observer.onCompleted();
    }

    static ModelInfo info(ServedModel m) {
        ModelInfo.Builder b = ModelInfo.newBuilder().setName(m.name()).addAllAliases(m.aliases())
                .setState(ModelState.valueOf("MODEL_STATE_" + m.state().name())).setReplicas(m.replicas().size());
        if (m.error() != null) {
            b.setError(m.error());
        }
        if (m.tier() != null) {
            b.setTier(m.tier().name().toLowerCase());
        }
        ServedModel.Instance i = m.instance();
        if (i != null) {
            var kv = i.loaded().kvPool();
            b.setKind("generation").setArchitecture(i.folder().architecture().name().toLowerCase())
                    .setDtype(i.loaded().dtype().name().toLowerCase())
                    .setDevice(String.join(",", m.replicas().stream().map(r -> r.loaded().device()).toList()))
                    .setLimits(ModelLimits.newBuilder().setMaxModelLen(i.loaded().maxModelLen())
                            .setMaxNumSeqs(i.config().maxNumSeqs()).setMaxNumBatchedTokens(i.config().maxNumBatchedTokens())
                            .setKvCacheBlocks(kv.numBlocks()).setBlockSize(kv.blockSize())
                            .setVocabSize(i.folder().config().vocabSize()));
        }
        if (m.embedder() != null) {
            LoadedEncoder e = m.embedder().encoder();
            b.setKind("embedding").setArchitecture(e.folder().architecture().name().toLowerCase())
                    .setDtype(e.dtype().name().toLowerCase()).setDevice(e.device()).setDimensions(e.dimensions())
                    .setLimits(ModelLimits.newBuilder().setMaxModelLen(e.maxInputTokens())
                            .setVocabSize(e.folder().encoderConfig().vocabSize()));
        }
        return b.build();
    }
}
